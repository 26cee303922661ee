"""Registration by import (issue 22 §13): a non-member imported with a 注册日期 within the
planner's history window is a registration and gets one 新注册回访; a 注册 event for the same
date arriving later plans nothing more."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from huifang_tui.services.imports import import_file
from huifang_tui.store.models import Callback, Customer, NonMemberEvent

from .conftest import write_csv

HEADER = "客户名称,客户等级,是否会员,注册日期,最近活跃日期,地区,回访员,联系人,职务,联系电话,邮箱"


def _nm_new(store) -> list[tuple[str, str]]:
    with store.read() as s:
        return sorted((name, cb.trigger_ref) for cb, name in s.exec(
            select(Callback, Customer.name).join(Customer, Customer.id == Callback.customer_id)
            .where(Callback.kind == "nm_new")))


def test_customer_import_with_registration_date_plans_one_nm_new(store, admin, agents, tmp_path):
    # the test clock is 2026-11-23; the history window is 45 days by default
    customers = write_csv(tmp_path / "c.csv", [
        HEADER,
        "新客甲,普通,否,2026-11-18,,北京,zhang,王工,技术负责人,13800138000,",
        "老客乙,普通,否,2025-01-05,,北京,zhang,赵姐,技术负责人,13900139000,",  # long before the window
        "会员丙,普通,是,2026-11-18,,北京,zhang,钱工,技术负责人,13700137000,",  # a member: no nm_new
    ])
    import_file(store, admin, "customers", customers)
    assert _nm_new(store) == [("新客甲", "reg:2026-11-18")]

    # the same registration arriving as an event changes nothing, and plans nothing again
    events = write_csv(tmp_path / "e.csv", ["客户名称,事件类型,日期,说明", "新客甲,注册,2026-11-18,官网注册"])
    import_file(store, admin, "events", events)
    assert _nm_new(store) == [("新客甲", "reg:2026-11-18")]
    with store.read() as s:
        regs = s.exec(select(NonMemberEvent.occurred_on).where(NonMemberEvent.kind == "registration")).all()
    assert regs == [date(2026, 11, 18)]

    # importing the customers file again plans nothing either
    import_file(store, admin, "customers", customers)
    assert _nm_new(store) == [("新客甲", "reg:2026-11-18")]


def test_event_first_then_customer_file_plans_once(store, admin, agents, tmp_path):
    import_file(store, admin, "events", write_csv(tmp_path / "e.csv", [
        "客户名称,事件类型,日期,说明", "新客丁,注册,2026-11-20,官网注册"]))
    assert _nm_new(store) == [("新客丁", "reg:2026-11-20")]
    import_file(store, admin, "customers", write_csv(tmp_path / "c.csv", [
        HEADER, "新客丁,普通,否,2026-11-20,,上海,li,孙工,技术负责人,13600136000,",
        "新客戊,普通,否,2026-11-21,,上海,li,周工,技术负责人,13500135000,"]))
    # 丁 already had its registration: nothing more; 戊 registered by this file alone
    assert _nm_new(store) == [("新客丁", "reg:2026-11-20"), ("新客戊", "reg:2026-11-21")]
