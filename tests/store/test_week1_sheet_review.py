"""The 客户回访汇总记录表 after review (issue 25): an approved version says its follow-up
states in each reader's language (versions approved before, which froze the approver's
words, too); the English last page keeps the totals, footnote and signature lines together;
本月计入 never splits inside a month; wrapped cells never start a line with punctuation;
a record row's cells sit in the middle of the row."""

from __future__ import annotations

import csv
import json

import pytest
from sqlmodel import select
from . import test_week1_sheet as base

from huifang_tui.core.i18n import catalog, set_lang
from huifang_tui.exporting import COLUMNS
from huifang_tui.exporting.sheets import write_csv
from huifang_tui.services import report as svc
from huifang_tui.store.models import ReportSnapshot

NOV = base.NOV
month = base.month  # the fixture: a record of each kind of belonging
FOLLOW = [a for a, _ in COLUMNS].index("follow_status")
ZH, EN = catalog("zh_CN"), catalog("en")


@pytest.fixture
def english():
    set_lang("en")
    yield
    set_lang("zh_CN")


def _words(section: str, lang: dict) -> set[str]:
    return {v for k, v in lang.items() if k.startswith(section)}


FOLLOW_WORDS_ZH = _words("report.follow.", ZH) | _words("report.state.", ZH)
FOLLOW_WORDS_EN = _words("report.follow.", EN) | _words("report.state.", EN)


def test_an_approved_month_stores_follow_up_states_as_codes(store, month):
    svc.approve(store, month["sup"], NOV)
    with store.read() as s:
        data = json.loads(s.exec(select(ReportSnapshot.data)).first())
    stored = {r["follow_status"] for r in data["records"]}
    assert stored and all(v.startswith(("report.follow.", "report.state.")) for v in stored)


def test_an_english_reader_gets_an_approved_months_follow_up_states_in_english(store, month, english, tmp_path):
    set_lang("zh_CN")
    svc.approve(store, month["sup"], NOV)  # approved by a Chinese reader
    set_lang("en")
    rep = svc.monthly_report(store, month["sup"], NOV)
    assert rep.approved
    said = {r.follow_status for r in rep.records}
    assert said and said <= FOLLOW_WORDS_EN and not said & FOLLOW_WORDS_ZH
    path = tmp_path / "m.csv"
    write_csv(path, rep)
    with path.open(encoding="utf-8-sig") as f:
        cells = {row[FOLLOW] for row in list(csv.reader(f))[1:]}
    assert cells == said


def test_a_version_approved_before_with_chinese_words_reads_in_the_readers_language(store, month, english):
    set_lang("zh_CN")
    svc.approve(store, month["sup"], NOV)
    zh_words = {r.number: r.follow_status for r in svc.monthly_report(store, month["sup"], NOV).records}
    with store.write() as s:  # as an approval before the codes stored it: the approver's words
        snap = s.exec(select(ReportSnapshot)).first()
        data = json.loads(snap.data)
        for r in data["records"]:
            r["follow_status"] = zh_words[r["number"]]
        data["records"][0]["follow_status"] = "客户自己说的"  # a word no catalog has stays as it is
        snap.data = json.dumps(data, ensure_ascii=False)
        s.add(snap)
    set_lang("en")
    recs = svc.monthly_report(store, month["sup"], NOV).records
    first, rest = recs[0], recs[1:]
    assert first.follow_status == "客户自己说的"
    said = {r.follow_status for r in rest}
    assert said and said <= FOLLOW_WORDS_EN
    assert len(recs) == len(zh_words)
