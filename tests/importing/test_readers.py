"""Reading files and parsing cells: encodings, separators, xlsx, dates, header names."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from huifang_tui.importing.readers import ImportFileError, read_table
from huifang_tui.importing.schemas import FieldError, bind, norm_header, p_amount, p_date, p_datetime

from .conftest import write_csv

LINES = ["客户名称,地区", "甲公司,北京", ",", "乙公司,上海"]


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, enc):
    headers, rows = read_table(write_csv(tmp_path / "c.csv", LINES, enc))
    assert headers == ["客户名称", "地区"]
    # blank line 3 is skipped; line numbers stay those a spreadsheet shows
    assert list(rows) == [(2, ["甲公司", "北京"]), (4, ["乙公司", "上海"])]


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le"])
def test_utf16_is_refused_unless_named(tmp_path, enc):
    f = write_csv(tmp_path / "c.csv", LINES, enc)
    with pytest.raises(ImportFileError, match="UTF-16.*CSV UTF-8"):
        read_table(f)
    headers, rows = read_table(f, encoding="utf-16" if enc == "utf-16" else "utf-16-le")
    assert headers == ["客户名称", "地区"] and next(rows) == (2, ["甲公司", "北京"])


def test_tab_separated(tmp_path):
    headers, rows = read_table(write_csv(tmp_path / "c.csv", LINES, "gb18030", sep="\t"))
    assert headers == ["客户名称", "地区"] and next(rows) == (2, ["甲公司", "北京"])


def test_undecodable_file_names_the_file(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"\x81\x20\xff\xfe\x00garbage")
    with pytest.raises(ImportFileError, match="bad.csv"):
        read_table(p)


def test_unknown_extension_and_missing_file(tmp_path):
    p = tmp_path / "x.xls"
    p.write_bytes(b"whatever")
    with pytest.raises(ImportFileError, match=r"\.xlsx"):
        read_table(p)
    with pytest.raises(ImportFileError, match="nope.csv"):
        read_table(tmp_path / "nope.csv")


def test_xlsx_cells(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["合同号", "销售日期", "数量", "金额", "电话"])
    ws.append(["HT1", datetime(2024, 5, 1), 3, 1200.5, 13800138000])
    ws.append([None, None, None, None, None])
    ws.append([2024002, date(2024, 6, 2), 1.0, 99, None])
    wb.save(tmp_path / "s.xlsx")
    headers, rows = read_table(tmp_path / "s.xlsx")
    assert headers == ["合同号", "销售日期", "数量", "金额", "电话"]
    rows = list(rows)
    assert rows[0] == (2, ["HT1", datetime(2024, 5, 1), "3", "1200.5", "13800138000"])
    assert rows[1][0] == 4 and rows[1][1][0] == "2024002" and rows[1][1][2] == "1"


@pytest.mark.parametrize("text", ["2024-05-01", "2024/5/1", "2024.5.1", "2024年5月1日", "20240501", "２０２４－０５－０１"])
def test_dates(text):
    assert p_date(text, "日期") == date(2024, 5, 1)


@pytest.mark.parametrize("text, want", [
    ("2024-05-01 09:30", datetime(2024, 5, 1, 9, 30)),
    ("2024-05-0109:30", datetime(2024, 5, 1, 9, 30)),  # seed 003: date glued to time
    ("2024/5/1 9:30:15", datetime(2024, 5, 1, 9, 30, 15)),
    ("2024-05-01T09:30", datetime(2024, 5, 1, 9, 30)),
    ("2024年5月1日 9时30分", datetime(2024, 5, 1, 9, 30)),
    ("2024-05-01", datetime(2024, 5, 1)),
    (datetime(2024, 5, 1, 9, 30), datetime(2024, 5, 1, 9, 30)),
    (date(2024, 5, 1), datetime(2024, 5, 1)),
    ("", None),
])
def test_datetimes(text, want):
    assert p_datetime(text, "受理时间") == want


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "01/05/2024", "next week"])
def test_bad_date_names_field_and_format(text):
    with pytest.raises(FieldError, match="「销售日期」无法识别.*YYYY-MM-DD"):
        p_date(text, "销售日期")


def test_amounts():
    assert p_amount("¥1,200.5", "金额") == Decimal("1200.50")
    with pytest.raises(FieldError):
        p_amount("-3", "金额")


def test_header_names_are_case_space_and_note_insensitive(tmp_path):
    assert norm_header(" Customer Name ") == norm_header("customer_name") == "customername"
    assert norm_header("*是否会员（是/否）") == "是否会员"
    b = bind("sales", ["Contract No", "CUSTOMER", "sale date", "金额(元)", "extra"], tmp_path / "s.csv")
    assert sorted(c.key for c in b.columns.values()) == ["amount", "contract_no", "customer", "sold_on"]
    assert b.ignored == ["extra"]


def test_missing_required_columns_named_with_accepted_names(tmp_path):
    with pytest.raises(ImportFileError) as e:
        bind("sales", ["客户名称", "产品"], tmp_path / "s.csv")
    msg = str(e.value)
    assert "合同号" in msg and "销售日期" in msg and "contract_no" in msg and "sale_date" in msg


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_any_date_in_any_accepted_spelling(d):
    for text in (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日", f"{d:%Y%m%d}"):
        assert p_date(text, "日期") == d
    assert p_datetime(f"{d.isoformat()}23:59", "时间") == datetime(d.year, d.month, d.day, 23, 59)


def test_catalogs_have_the_same_import_keys():
    from huifang_tui.core.i18n import catalog, set_lang, t

    zh = {k for k in catalog("zh_CN") if k.startswith("imp.")}
    assert zh and zh == {k for k in catalog("en") if k.startswith("imp.")}
    set_lang("en")
    with pytest.raises(FieldError, match="“sale date” not understood.*YYYY-MM-DD"):
        p_date("2024-13-01", "sale date")
    assert t("imp.row", line=7, msg="x") == "Line 7: x"
