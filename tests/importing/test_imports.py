"""import_file: one file, one transaction; re-import changes nothing; bad rows reported."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlmodel import select

from huifang_tui.importing.readers import ImportFileError
from huifang_tui.services.base import Actor, PermissionDenied, ServiceError
from huifang_tui.services.imports import ImportRejected, import_file
from huifang_tui.store.models import Contact, Customer, NonMemberEvent, Sale, WorkOrder

from .conftest import WO_HEADER, WO_ROWS, counts, write_csv


def wo_file(tmp_path, enc="utf-8", name="wo.csv", rows=WO_ROWS):
    return write_csv(tmp_path / name, [WO_HEADER, *rows], enc)


@pytest.mark.parametrize("enc", ["gb18030", "utf-8-sig", "utf-8"])
def test_work_orders_in_each_encoding(store, admin, agents, tmp_path, enc):
    r = import_file(store, admin, "workorders", wo_file(tmp_path, enc))
    assert (r.total, r.created, r.updated, r.rejected, r.customers_created) == (2, 2, 0, [], 2)
    with store.read() as s:
        w = s.exec(select(WorkOrder).where(WorkOrder.number == "SX202405001")).one()
        c = s.get(Customer, w.customer_id)
        assert (w.priority, w.service_type, w.contract_no) == ("urgent", "repair", "HT2024001")
        assert w.accepted_at == datetime(2024, 5, 1, 9, 30) and w.actual_completion == datetime(2024, 5, 2, 17)
        assert w.solution == "上门维修，更换压缩机"
        assert (c.name, c.tier, c.is_member, c.agent_login) == ("A公司", "standard", True, "zhang")
        b = s.exec(select(Customer).where(Customer.name == "B公司")).one()
        assert b.agent_login is None  # unassigned: the shared pool
        contact = s.exec(select(Contact).where(Contact.customer_id == c.id)).one()
        assert (contact.name, contact.phone, contact.is_primary) == ("*先生", "5678", True)


def test_xlsx_work_orders(store, admin, agents, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(WO_HEADER.split(","))
    ws.append(["SX202405001", "A公司", "*先生", 5678, "空调A款", "制冷效果差", "紧急", "技术支持组", "*技术",
               datetime(2024, 5, 1, 9, 30), "2024-05-0318:00", datetime(2024, 5, 2, 17), "换压缩机", "已签字",
               "已完成", "安装", None, "张三"])
    wb.save(tmp_path / "wo.xlsx")
    r = import_file(store, admin, "workorders", tmp_path / "wo.xlsx")
    assert r.created == 1
    with store.read() as s:
        w = s.exec(select(WorkOrder)).one()
        assert (w.contact_phone, w.service_type, w.planned_completion) == ("5678", "install", datetime(2024, 5, 3, 18))
        assert s.get(Customer, w.customer_id).agent_login == "zhang"  # agent given by name
    assert import_file(store, admin, "workorders", tmp_path / "wo.xlsx").unchanged == 1


def test_same_files_twice_leave_database_unchanged(store, admin, agents, tmp_path):
    files = {
        "customers": write_csv(tmp_path / "c.csv", [
            "客户名称,客户等级,是否会员,注册日期,最近活跃日期,地区,回访员,联系人,职务,联系电话,邮箱",
            "A公司,重要,是,2023-01-05,2024-04-01,北京,zhang,王工,技术负责人,13800138000,wang@a.cn",
            "A公司,,,,,,,赵姐,行政负责人,13900139000,"]),
        "workorders": wo_file(tmp_path),
        "sales": write_csv(tmp_path / "s.csv", ["合同号,客户名称,产品,销售日期,数量,金额",
                                                "HT2024001,A公司,空调A款,2024/5/1,2,\"12,000.00\"",
                                                "HT2024002,C公司,洗衣机,2024年5月6日,,"]),
        "events": write_csv(tmp_path / "e.csv", ["客户名称,事件类型,日期,说明",
                                                 "D公司,注册,2024-05-01,官网注册", "D公司,咨询,2024-05-03,问价格"]),
    }
    for kind, f in files.items():
        import_file(store, admin, kind, f)
    before = counts(store)
    with store.read() as s:
        snap = {m: [o.model_dump() for o in s.exec(select(m))] for m in (Customer, Contact, WorkOrder, Sale)}
    for kind, f in files.items():
        r = import_file(store, admin, kind, f)
        assert (r.created, r.updated, r.customers_created, r.contacts_created, r.contacts_updated) == (0, 0, 0, 0, 0)
        assert r.unchanged == r.total - (1 if kind == "customers" else 0)  # 2 rows of one customer
    assert counts(store) == before  # no new rows, no audit entries
    with store.read() as s:
        assert snap == {m: [o.model_dump() for o in s.exec(select(m))] for m in (Customer, Contact, WorkOrder, Sale)}
        sale = s.exec(select(Sale).where(Sale.contract_no == "HT2024002")).one()
        assert (sale.quantity, sale.amount, sale.sold_on) == (1, Decimal("0.00"), date(2024, 5, 6))
        d = s.exec(select(Customer).where(Customer.name == "D公司")).one()
        assert (d.is_member, d.registered_on, d.last_activity_on) == (False, date(2024, 5, 1), date(2024, 5, 3))
        assert len(s.exec(select(NonMemberEvent)).all()) == 2


def test_one_bad_row_writes_nothing_and_names_the_row(store, admin, agents, tmp_path):
    import_file(store, admin, "workorders", wo_file(tmp_path))
    before = counts(store)
    rows = [WO_ROWS[0].replace("已完成", "处理中"), *WO_ROWS[1:],
            "SX202405003,C公司,,,,,紧急,,,2024-05-01,2024-13-01,,,,,,,"]
    with pytest.raises(ImportRejected) as e:
        import_file(store, admin, "workorders", wo_file(tmp_path, "gb18030", "bad.csv", rows))
    assert e.value.errors == [(4, "第 4 行「预计完成时间」无法识别：“2024-13-01”，请使用 YYYY-MM-DD HH:MM（如 2024-05-01 09:30）")]
    assert "第 4 行" in str(e.value) and "--skip-bad" in str(e.value)
    assert counts(store) == before
    with store.read() as s:
        assert s.exec(select(WorkOrder).where(WorkOrder.number == "SX202405001")).one().status == "已完成"
    assert not (tmp_path / "bad.rejected.csv").exists()


def test_every_bad_row_is_reported(store, admin, agents, tmp_path):
    f = write_csv(tmp_path / "s.csv", ["合同号,客户名称,产品,销售日期,数量,金额",
                                       "HT1,A公司,空调,2024-05-01,1,100",
                                       ",A公司,空调,2024-05-01,1,100",
                                       "HT3,A公司,空调,昨天,-1,abc",
                                       "HT1,A公司,冰箱,2024-05-01,1,100"])
    with pytest.raises(ImportRejected) as e:
        import_file(store, admin, "sales", f)
    lines = dict(e.value.errors)
    assert sorted(lines) == [3, 4, 5]
    assert "「合同号」不能为空" in lines[3]
    assert "「销售日期」" in lines[4] and "「数量」" in lines[4] and "「金额」" in lines[4]
    assert "第 2 行" in lines[5]  # repeats HT1 with different content
    assert counts(store)["Sale"] == 0


def test_skip_bad_imports_good_rows_and_writes_reject_file(store, admin, agents, tmp_path):
    rows = [*WO_ROWS, "SX202405003,C公司,,,,,特急,,,,,,,,,,,nobody"]
    r = import_file(store, admin, "workorders", wo_file(tmp_path, "gb18030", "wo.csv", rows), skip_bad=True)
    assert (r.created, len(r.rejected), r.rejected[0][0]) == (2, 1, 4)
    assert r.reject_file == tmp_path / "wo.rejected.csv"
    raw = r.reject_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    out = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert out[0] == [*WO_HEADER.split(","), "错误原因"]
    assert out[1][0] == "SX202405003" and out[1][-2] == "nobody"
    assert "第 4 行" in out[1][-1] and "「优先级」" in out[1][-1] and "「回访员」" in out[1][-1]
    assert counts(store)["WorkOrder"] == 2


def test_change_is_an_update_with_one_audit_row(store, admin, agents, tmp_path):
    import_file(store, admin, "workorders", wo_file(tmp_path))
    before = counts(store)
    rows = [WO_ROWS[0], WO_ROWS[1].replace("2024-05-0410:00", "")]
    r = import_file(store, admin, "workorders", wo_file(tmp_path, rows=rows))
    assert (r.created, r.updated, r.unchanged) == (0, 1, 1)
    after = counts(store)
    assert after["AuditEntry"] >= before["AuditEntry"] + 1 and after["WorkOrder"] == 2
    with store.read() as s:
        w = s.exec(select(WorkOrder).where(WorkOrder.number == "SX202405002")).one()
        assert w.actual_completion is None and w.updated_at == datetime(2026, 11, 23, 9, 30)


def test_english_headers(store, admin, agents, tmp_path):
    f = write_csv(tmp_path / "e.csv", ["Customer Name,Event Type,Date,Note", "E Ltd,inquiry,2024-05-02,price"])
    r = import_file(store, admin, "events", f)
    assert r.created == 1 and r.customers_created == 1
    with store.read() as s:
        assert s.exec(select(NonMemberEvent)).one().kind == "inquiry"


def test_missing_required_column(store, admin, tmp_path):
    f = write_csv(tmp_path / "w.csv", ["客户名称,联系人", "A公司,王"])
    with pytest.raises(ImportFileError, match="缺少必需的列：工单编号"):
        import_file(store, admin, "workorders", f)


def test_customers_with_two_contacts_and_agents(store, admin, agents, tmp_path):
    f = write_csv(tmp_path / "c.csv", [
        "customer,tier,member,region,agent,contact,position,phone,email",
        "A公司,大客户,是,北京,zhang,王工,技术负责人,13800138000,wang@a.cn",
        "A公司,大客户,是,北京,zhang,赵姐,行政负责人,13900139000,",
        "B公司,普通,否,上海,,钱工,主要使用人员,13700137000,",
    ])
    r = import_file(store, admin, "customers", f)
    assert (r.created, r.contacts_created) == (2, 3)
    with store.read() as s:
        a = s.exec(select(Customer).where(Customer.name == "A公司")).one()
        b = s.exec(select(Customer).where(Customer.name == "B公司")).one()
        assert (a.tier, a.is_member, a.region, a.agent_login) == ("major", True, "北京", "zhang")
        assert (b.tier, b.is_member, b.agent_login) == ("standard", False, None)
        cs = s.exec(select(Contact).where(Contact.customer_id == a.id).order_by(Contact.id)).all()
        assert [(c.name, c.role, c.is_primary) for c in cs] == [("王工", "技术负责人", True), ("赵姐", "行政负责人", False)]
    # Reassign A to li, send B to... li as well; blank agent means the pool.
    f2 = write_csv(tmp_path / "c2.csv", ["客户名称,回访员", "A公司,", "B公司,LI"])
    r = import_file(store, admin, "customers", f2)
    assert (r.updated, r.unchanged) == (2, 0)
    with store.read() as s:
        assert {c.name: c.agent_login for c in s.exec(select(Customer))} == {"A公司": None, "B公司": "li"}


def test_conflicting_customer_values_are_a_bad_row(store, admin, agents, tmp_path):
    f = write_csv(tmp_path / "c.csv", ["客户名称,客户等级,联系人", "A公司,重要,王工", "A公司,大客户,赵姐"])
    with pytest.raises(ImportRejected) as e:
        import_file(store, admin, "customers", f)
    assert e.value.errors[0][0] == 3 and "「客户等级」与第 2 行不一致" in e.value.errors[0][1]


def test_only_admin_or_supervisor(store, admin, supervisor, tmp_path):
    f = write_csv(tmp_path / "e.csv", ["客户名称,事件类型,日期", "E,注册,2024-05-02"])
    with pytest.raises(PermissionDenied):
        import_file(store, Actor("a1", "agent"), "events", f)
    assert import_file(store, supervisor, "events", f).created == 1


def test_progress_and_many_rows(store, admin, tmp_path):
    rows = [f"SX2024{i:05d},客户{i % 300},联系人{i % 300},1380000{i:04d},产品,描述,一般,组,人,2024-05-01 09:00,"
            f"2024-05-03,2024-05-02 10:00,,,已完成,维修,," for i in range(10_000)]
    f = wo_file(tmp_path, rows=rows)
    seen = []
    r = import_file(store, admin, "workorders", f, progress=lambda d, n: seen.append((d, n)))
    assert (r.created, r.customers_created) == (10_000, 300)
    # while the file is first checked its length is unknown; then total = rows checked + rows written
    assert seen[0] == (500, None) and (10_500, 20_000) in seen and seen[-1] == (20_000, 20_000)
    r = import_file(store, admin, "workorders", f)
    assert r.unchanged == 10_000


def test_title_row_above_header_is_skipped(store, admin, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["表1:售后服务记录表"])
    ws.append(["工单编号", "客户名称", "实际完成时间"])
    ws.append(["SX202405001", "A公司", "2024-05-0217:00"])
    ws.append(["SX202405002", "B公司", "2024-05-32"])
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(ImportRejected) as e:
        import_file(store, admin, "workorders", tmp_path / "t.xlsx")
    assert [line for line, _ in e.value.errors] == [4]  # the spreadsheet's own row number


def test_unknown_kind_and_header_only_file(store, admin, tmp_path):
    f = write_csv(tmp_path / "e.csv", ["客户名称,事件类型,日期"])
    with pytest.raises(ServiceError, match="workorders"):
        import_file(store, admin, "things", f)
    before = counts(store)
    with pytest.raises(ImportFileError, match="只有表头"):
        import_file(store, admin, "events", f)
    assert counts(store) == before
