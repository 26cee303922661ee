"""Import-test helpers: write CSV files in a given encoding, count what the database holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from huifang_tui.services.base import Actor
from huifang_tui.services.users import add_user
from huifang_tui.store.models import AuditEntry, Callback, Contact, Customer, NonMemberEvent, Sale, WorkOrder

WO_HEADER = ("工单编号,客户名称,联系人,联系方式,产品/服务名称,问题描述,优先级,处理组,责任人,受理时间,"
             "预计完成时间,实际完成时间,解决方案,客户确认,状态,服务类型,合同号,回访员")
# The two rows of seed 003 表1 (dates glued to times as there), plus service type etc.
WO_ROWS = [
    "SX202405001,A公司,*先生,5678,空调A款,制冷效果差,紧急,技术支持组,*技术,2024-05-0109:30,2024-05-0318:00,"
    "2024-05-0217:00,上门维修，更换压缩机,已签字,已完成,维修,HT2024001,zhang",
    "SX202405002,B公司,*女士,1399012,洗衣机B款,脱水异响,一般,退换货组,*专员,2024-05-0214:00,2024-05-0412:00,"
    "2024-05-0410:00,同型号换货，顺丰寄出,已确认,已完成,咨询,,",
]


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8", sep: str = ",") -> Path:
    text = "\r\n".join(line.replace(",", sep) for line in lines) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def agents(store, admin):
    add_user(store, admin, "zhang", "agent", "张三")
    add_user(store, admin, "li", "agent", "李四")
    return store


@pytest.fixture
def supervisor(store, admin) -> Actor:
    add_user(store, admin, "sup1", "supervisor", "主管")
    return Actor("sup1", "supervisor", "主管")


def counts(store) -> dict[str, int]:
    with store.read() as s:
        return {m.__name__: s.exec(select(func.count()).select_from(m)).one()
                for m in (Customer, Contact, WorkOrder, Sale, NonMemberEvent, AuditEntry, Callback)}
