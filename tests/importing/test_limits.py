"""Caps on file size, rows, columns and cell length; text-field length limits; quotes and
ragged rows named by line; dates 2000-2099 (issue 13, SPEC §5)."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from huifang_tui.importing import FieldError, ImportFileError, limits, open_table
from huifang_tui.importing.schemas import p_date, p_datetime

from .conftest import write_csv


def _read(path, kind="customers"):
    return list(open_table(kind, path).rows)


def test_file_size_cap(tmp_path, monkeypatch):
    f = write_csv(tmp_path / "c.csv", ["客户名称", "甲公司"])
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    with pytest.raises(ImportFileError, match="超过上限 10 B.*拆分"):
        _read(f)


def test_row_cap(tmp_path, monkeypatch):
    f = write_csv(tmp_path / "c.csv", ["客户名称"] + [f"客户{i}" for i in range(6)])
    monkeypatch.setattr(limits, "MAX_ROWS", 5)
    with pytest.raises(ImportFileError, match="数据超过 5 行"):
        _read(f)
    monkeypatch.setattr(limits, "MAX_ROWS", 6)
    assert len(_read(f)) == 6


def test_column_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_COLUMNS", 3)
    f = write_csv(tmp_path / "c.csv", ["客户名称,地区,a,b", "甲公司,北京,1,2"])
    with pytest.raises(ImportFileError, match="第 1 行有 4 列，超过上限 3"):
        _read(f)


def test_cell_cap_in_xlsx_names_line_and_column(tmp_path):
    wb = Workbook()
    wb.active.append(["客户名称", "地区"])
    wb.active.append(["甲公司", "x" * (limits.MAX_CELL_CHARS + 1)])
    wb.save(tmp_path / "c.xlsx")
    with pytest.raises(ImportFileError, match=f"第 2 行「地区」列有 {limits.MAX_CELL_CHARS + 1} 个字符"):
        _read(tmp_path / "c.xlsx")


def test_text_field_length_limit_is_a_row_error(tmp_path):
    from huifang_tui.importing import Checker
    from huifang_tui.importing.schemas import Bad

    t = open_table("customers", write_csv(tmp_path / "c.csv", ["客户名称,地区", "甲" * 101 + ",北京", "乙,北京"]))
    c = Checker(t.binding, lambda v: None)
    first, second = (c.check(line, raw) for line, raw in t.rows)
    assert isinstance(first, Bad) and "「客户名称」太长（101 个字符，最多 100 个）" in first.reason
    assert not isinstance(second, Bad)


@pytest.mark.parametrize("lines, message", [
    (["客户名称,地区", "\"甲公司,北京", "乙公司,上海"], "第 2 行的双引号没有闭合"),
    (["客户名称,地区", "甲公司,\"北\"京", "乙公司,上海"], "第 2 行的双引号用法有误"),
    (["客户名称,地区", "甲公司,北京", "乙公司,上海,多余"], "第 3 行有 3 个字段，而表头有 2 个"),
    (["客户名称,地区", "甲公司"], "第 2 行有 1 个字段，而表头有 2 个"),
])
def test_quotes_and_ragged_rows_name_the_line(tmp_path, lines, message):
    with pytest.raises(ImportFileError, match=message):
        _read(write_csv(tmp_path / "c.csv", lines))


def test_quoted_newlines_and_trailing_empty_fields_are_fine(tmp_path):
    rows = _read(write_csv(tmp_path / "c.csv", ["客户名称,地区", "\"甲公司\n总部\",北京,,", "乙公司,上海"]))
    assert rows == [(2, ["甲公司\n总部", "北京"]), (3, ["乙公司", "上海"])]


@pytest.mark.parametrize("text", ["9999-12-31", "1999-12-31", "2100-01-01", "0024-05-01", "99999"])
def test_dates_outside_2000_2099_are_refused(text):
    with pytest.raises(FieldError, match="不在可用范围内（2000-01-01 至 2099-12-31）|无法识别"):
        p_date(text, "日期")


@pytest.mark.parametrize("text, want", [("2000-01-01", date(2000, 1, 1)), ("2099-12-31", date(2099, 12, 31)),
                                        ("45413", date(2024, 5, 1)), ("36526", date(2000, 1, 1))])
def test_range_edges_and_excel_serials(text, want):
    assert p_date(text, "日期") == want


def test_xlsx_date_cell_out_of_range():
    from datetime import datetime

    with pytest.raises(FieldError, match="9999-12-31"):
        p_datetime(datetime(9999, 12, 31), "受理时间")
