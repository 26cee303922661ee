"""The bad-input corpus (tests/data/bad/README.md): each file is refused with its exact message
and the database unchanged, or imported with what the table says."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.services.users import os_login
from huifang_tui.store.models import Contact, Customer, Sale

from factories import add_user

from .conftest import counts

CORPUS = Path(__file__).parents[1] / "data" / "bad"
_ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+) \| (refused|imported) \| (.+) \|$")


def table() -> list[tuple[str, list[str], str, list[str]]]:
    rows = []
    for line in (CORPUS / "README.md").read_text(encoding="utf-8").splitlines():
        if m := _ROW.match(line.strip()):
            name, args, result, text = m.groups()
            rows.append((name, args.split(), result, text.split("<br>")))
    return rows


def test_the_table_covers_every_corpus_file():
    listed = {r[0] for r in table()}
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert listed == files and len(table()) >= 19


def _customers(s) -> dict[str, Customer]:  # noqa: ANN001
    return {c.name: c for c in s.exec(select(Customer))}


def _markup(store, path):  # noqa: ANN001
    with store.read() as s:
        assert set(_customers(s)) == {"[bold red]甲公司[/]", "乙公司", "丙公司[link=http://x.example]点我[/link]"}
        contacts = {c.name: c for c in s.exec(select(Contact))}
        assert set(contacts) == {"王经理", "李经理", "赵经理"}
        assert not any(c.needs_correction for c in contacts.values())


def _serials(store, path):  # noqa: ANN001
    with store.read() as s:
        assert sorted(x.sold_on for x in s.exec(select(Sale))) == [date(2024, 5, 1), date(2024, 6, 1)]


def _phones(store, path):  # noqa: ANN001
    with store.read() as s:
        flagged = {c.name: c.needs_correction for c in s.exec(select(Contact))}
    assert flagged == {"王经理": False, "李经理": True, "赵经理": True, "钱经理": False}


def _formulas(store, path):  # noqa: ANN001
    with path.with_name("formula_cells.rejected.csv").open(encoding="utf-8-sig", newline="") as f:
        rejected = list(csv.reader(f))
    assert rejected[1][0] == "'=HYPERLINK(\"http://x.example\")"
    assert rejected[2][:4] == ["HT003", "'@SUM(A1)", "'+1", "'-2"]
    with store.read() as s:
        assert [x.contract_no for x in s.exec(select(Sale))] == ["HT001"]


def _gb18030(store, path):  # noqa: ANN001
    with store.read() as s:
        assert set(_customers(s)) == {"北京华信科技有限公司", "上海浦东机械厂", "深圳市龙岗区赟达电子"}
        assert {c.name for c in s.exec(select(Contact))} == {"王喆", "李堃", "赵昇"}


def _utf16(store, path):  # noqa: ANN001
    with store.read() as s:
        assert set(_customers(s)) == {"甲公司"}


IMPORTED_CHECKS = {"markup_ansi_names.csv": _markup, "excel_serial_dates.csv": _serials,
                   "bad_phones.csv": _phones, "formula_cells.csv": _formulas, "gb18030_ok.csv": _gb18030,
                   "utf16.csv": _utf16}


@pytest.mark.parametrize("name, args, result, lines", table(), ids=lambda x: x if isinstance(x, str) else None)
def test_corpus_file(store, monkeypatch, capsys, tmp_path, name, args, result, lines):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # an error log never lands in ~
    add_user(store, os_login(), "admin")
    path = tmp_path / name
    shutil.copy(CORPUS / name, path)
    before = counts(store)
    rc = cli.main(["import", args[0], str(path), *args[1:]])
    out, err = capsys.readouterr()
    expected = [x.replace("<file>", str(path)) for x in lines]
    if result == "refused":
        assert rc == 1 and out == ""
        assert err.splitlines()[: len(expected)] == expected
        assert "Traceback" not in err and "\x1b" not in err
        assert counts(store) == before
        assert not list(tmp_path.glob("*.rejected.csv"))
    else:
        assert rc == 0, err
        for x in expected:
            assert x in out.splitlines()
        IMPORTED_CHECKS[name](store, path)
