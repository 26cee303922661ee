"""The audit log in words, every row the app writes (issue 25 item 16): no snake_case key, no
code (a request's state or kind), no login where a person is meant, in Chinese and in English.

The rows are collected from a demo build plus a request approved and one refused, a summary
approved, amended and approved again, a callback lapsed and one reassigned; besides, every key
the code writes into an audit snapshot (the audited tables' columns and the literal keys of the
``audit()`` calls), every action code and every entity has its words in both catalogs.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlmodel import select

from huifang_tui.core.i18n import catalog, get_lang, set_lang, t
from huifang_tui.services import audit_log as al
from huifang_tui.services.base import Actor, Store

SRC = Path(__file__).resolve().parents[2] / "src" / "huifang_tui"
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 30)
SUP = Actor("supervisor", "supervisor", "周建华")
LANGS = ("zh_CN", "en")
SNAKE = re.compile(r"(?<![A-Za-z0-9])[a-z][a-z0-9]*_[a-z0-9_]+")
ASCII_WORD = re.compile(r"(?<![A-Za-z0-9])[a-z]{2,}(?![A-Za-z0-9])")


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    """A demo database and a supervisor's day on it; returns the store and the two requests' ids."""
    from huifang_tui.demo import build_demo
    from huifang_tui.domain.kpi import Month
    from huifang_tui.services import board, report, stale
    from huifang_tui.services import requests as req
    from huifang_tui.store.models import Callback

    store = Store("sqlite:///" + str(tmp_path_factory.mktemp("auditwords") / "demo.db"), clock=lambda: NOW)
    store.ensure_schema()
    build_demo(store, TODAY, seed=7)
    with store.read() as s:
        cbs = list(s.exec(select(Callback).where(Callback.status == "open", Callback.agent_login.is_not(None))
                          .order_by(Callback.id)))
    soon = [c for c in cbs if TODAY <= c.deadline_on <= date(2026, 11, 30)]
    overdue = [c for c in cbs if c.deadline_on < TODAY]
    a, b = soon[0], soon[1]
    r1 = req.ask(store, Actor(a.agent_login, "agent", ""), a.number, "reschedule", datetime(2026, 12, 10, 10), "客户出差")
    r2 = req.ask(store, Actor(b.agent_login, "agent", ""), b.number, "defer", date(2026, 12, 11), "客户休假")
    req.approve(store, SUP, r1.id)
    req.refuse(store, SUP, r2.id, "请本周内联系")
    report.approve(store, SUP, Month(2026, 10))
    report.amend(store, SUP, Month(2026, 10), "更正应回访数")
    report.approve(store, SUP, Month(2026, 10))
    stale.lapse(store, SUP, [overdue[0].number], "联系不上")
    other = next(c for c in cbs if c.agent_login != "agent2" and c.number not in (a.number, b.number))
    board.reassign(store, SUP, [other.number], "agent2")
    return store, (r1, r2)


@pytest.fixture
def lang():
    was = get_lang()
    yield
    set_lang(was)


def _logins(store) -> set[str]:
    from huifang_tui.store.models import User

    with store.read() as s:
        return set(s.exec(select(User.login)))


def _codes() -> set[str]:
    from huifang_tui.domain.words import REQUEST_KINDS, REQUEST_STATES

    return {*REQUEST_KINDS, *REQUEST_STATES}


@pytest.mark.parametrize("language", LANGS)
def test_every_row_reads_in_words(worked, lang, language):
    store, _ = worked
    set_lang(language)
    rows = al.audit_log(store, SUP, limit=100_000)
    logins, codes = _logins(store), _codes()
    actions = {r.action for r in rows}
    assert {"request.ask", "request.approve", "request.refuse", "report.approve", "report.amend",
            "callback.lapse", "callback.reassign", "demo.build", "plan.create", "user.add"} <= actions
    bad = []
    for r in rows:
        shown = [("action", r.action_text), ("subject", r.subject), ("who", r.who)]
        shown += [(f"label {c.label}", c.label) for c in r.changes]
        for c in r.changes:
            # a user's login is a field of its own; a role's English word may spell a login ("supervisor")
            is_login = r.entity == "user" and c.label in (t("auditlog.field.login"), t("auditlog.field.role"))
            for v in (c.before, c.after):
                shown.append((f"value of {c.label}", v))
                if v in logins and not is_login:
                    bad.append((r.action, c.label, v, "a login"))
                if v in codes and v != t(f"requests.mark.{v}") and v != t(f"auditlog.request_kind.{v}"):
                    bad.append((r.action, c.label, v, "a code"))
        for where, text in shown:
            hits = SNAKE.findall(text)
            if language == "zh_CN" and where != "who" and not where.startswith(f"value of {t('auditlog.field.login')}"):
                hits += ASCII_WORD.findall(text)
            if hits:
                bad.append((r.action, where, text[:60], hits))
    assert not bad, bad[:20]


def test_a_request_and_a_summary_are_named(worked, lang):
    store, (r1, r2) = worked
    set_lang("zh_CN")
    rows = al.audit_log(store, SUP, limit=100_000)
    (asked,) = [r for r in rows if r.action == "request.ask" and r.entity_id == str(r1.id)]
    assert asked.subject == f"请示 #{r1.id} · {r1.number} {r1.customer}"
    (refused,) = [r for r in rows if r.action == "request.refuse"]
    assert f"状态：{t('requests.mark.pending')} → {t('requests.mark.refused')}" in refused.change_text
    assert "答复人：— → 周建华" in refused.change_text
    amended = next(r for r in rows if r.action == "report.amend")
    assert amended.subject == "2026-10 汇总表"
    built = next(r for r in rows if r.action == "demo.build")
    assert built.subject == "演示数据库" and "历史回访：" in built.change_text
    set_lang("en")
    rows = al.audit_log(store, SUP, limit=100_000)
    assert next(r for r in rows if r.action == "report.amend").subject == "2026-10 summary"


def _audit_calls() -> list[str]:
    """The text of every ``audit(...)`` call in the app."""
    calls = []
    for f in SRC.rglob("*.py"):
        src = f.read_text(encoding="utf-8")
        for m in re.finditer(r"\baudit\(", src):
            depth, end = 0, m.start()
            for end in range(m.start(), len(src)):
                depth += {"(": 1, ")": -1}.get(src[end], 0)
                if src[end] == ")" and depth == 0:
                    break
            calls.append(src[m.start():end])
    return calls


def test_every_key_action_and_entity_the_app_writes_has_words():
    from huifang_tui.store import models

    calls = _audit_calls()
    keys = set()
    for call in calls:
        keys |= set(re.findall(r'"([a-z_]+)":', call)) | set(re.findall(r"\b([a-z_]+)=", call))
    tables = ("Callback", "Issue", "User", "Contact", "Customer", "SupervisorRequest", "CalendarOverride",
              "Department", "DayClose", "SpotCheck")
    for name in tables:
        keys |= set(getattr(models, name).model_fields)
    actions = set()
    entities = set()
    for call in calls:
        m = re.match(r'audit\(\s*\w+,\s*[^,]+,\s*[^,]+,\s*(?:f?"([a-z_.{}]+)"|\w+),\s*"([a-z_]+)"', call)
        if m:
            entities.add(m.group(2))
            if m.group(1) and "{" not in m.group(1):
                actions.add(m.group(1))
    for f in SRC.rglob("*.py"):  # the rows written by SQL (the database's own upgrade and move)
        actions |= set(re.findall(r"'(db\.[a-z_]+)'", f.read_text(encoding="utf-8")))
        entities |= set(re.findall(r"'db\.[a-z_]+', '([a-z_]+)'", f.read_text(encoding="utf-8")))
    assert {"request", "report", "database"} <= entities and "request.refuse" in actions
    for language in LANGS:
        words = catalog(language)
        missing = sorted(k for k in keys - al._QUIET if f"auditlog.field.{k}" not in words)
        missing += sorted(a for a in actions if "auditlog.action." + a.replace(".", "_") not in words)
        missing += sorted(e for e in entities if f"auditlog.entity.{e}" not in words)
        assert not missing, (language, missing)


@pytest.mark.parametrize("language", LANGS)
def test_every_action_word_fits_the_column(lang, language):
    """The audit log's action column is at most ACTION_MAX wide: its words are not cut."""
    from huifang_tui.screens.audit import ACTION_MAX

    set_lang(language)
    long = {k: v for k, v in catalog(language).items() if k.startswith("auditlog.action.") and cell_len(v) > ACTION_MAX}
    assert not long


def test_huifang_audit_prints_the_rows_in_words(worked, lang, monkeypatch, capsys):
    """``huifang audit``: the demo build's counts in words, the system as 系统 (not its login)."""
    from huifang_tui import cli

    store, _ = worked
    set_lang("zh_CN")
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    capsys.readouterr()
    assert cli.main(["--as", "supervisor", "--lang", "zh_CN", "audit"]) == 0
    out = capsys.readouterr().out
    assert "生成演示数据" in out and "演示数据库" in out and "历史回访：" in out
    assert "│ 系统 " in out and "│ system " not in out
    assert not SNAKE.findall(out.replace("demo.db", ""))


def test_an_edited_record_names_the_record_that_replaced_it(lang):
    """``callback.cancel`` after an edit writes ``by``: the new record's number, not a person."""
    set_lang("zh_CN")
    row = al.AuditRow(NOW, "supervisor", "callback.cancel", "callback", "HF202611001", "",
                      '{"reason": "edited", "by": "HF202611009"}')
    labels = [c.label for c in al._changes(row, {})]
    assert "由此记录替代" in labels and t("auditlog.field.by") not in labels
