"""Issue 21 §3 from the command line: a 100 KB note is refused with exit 1 naming the limit; no
single argument over ``ARG_MAX``; the disk alert and the refusal count in ``--json``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.cli.limits import too_long_argument
from huifang_tui.domain.limits import ARG_MAX, REFUSALS_KEPT, TEXT_MAX
from huifang_tui.services import alerts as alerts_svc
from huifang_tui.services.users import os_login
from huifang_tui.store import db
from huifang_tui.store.models import AuditEntry, CallAttempt, Callback, Setting

from factories import add_callback, add_customer, add_user


@pytest.fixture
def desk(store, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    me = os_login()
    add_user(store, me, "agent")
    add_user(store, "supervisor", "supervisor")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))  # --as works on a demo database only
    today = date.today()
    cid = add_customer(store, "杭州恒达机械有限公司", agent=me)
    add_callback(store, cid, "HF202611001", agent=me, due_on=today, deadline_on=today + timedelta(days=30))
    store.clock = __import__("datetime").datetime.now
    capsys.readouterr()
    return store, me


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _attempts(store) -> int:
    with store.read() as s:
        return len(s.exec(select(CallAttempt)).all())


@pytest.mark.parametrize("form", ["separate", "equals"])
def test_a_100kb_note_is_refused_with_exit_1(desk, capsys, form):
    store, _ = desk
    note = "长" * 100_000
    args = ["--note", note] if form == "separate" else [f"--note={note}"]
    code, out, err = _run(capsys, "record", "HF202611001", "--outcome", "no_answer", *args)
    assert code == 1 and "--note" in err and str(ARG_MAX) in err and "100000" in err
    assert "Traceback" not in err and note[:100] not in err
    assert _attempts(store) == 0


def test_a_note_over_the_text_bound_is_refused_by_the_service_too(desk, capsys, monkeypatch):
    """The service is the rule: with the argument check out of the way the note still is refused."""
    store, _ = desk
    monkeypatch.setattr("huifang_tui.cli.limits.too_long_argument", lambda argv: None)
    code, _, err = _run(capsys, "record", "HF202611001", "--outcome", "no_answer", "--note", "记" * (TEXT_MAX + 1))
    assert code == 1 and "备注" in err and str(TEXT_MAX) in err
    assert _attempts(store) == 0
    code, _, err = _run(capsys, "record", "HF202611001", "--outcome", "no_answer", "--note", "记" * TEXT_MAX)
    assert code == 0, err
    with store.read() as s:
        assert s.exec(select(Callback)).one().note == ""  # the attempt keeps it


def test_any_long_argument_is_refused_naming_it(desk, capsys):
    code, _, err = _run(capsys, "--as", "supervisor", "lapse", "HF202611001", "--reason", "因" * (ARG_MAX + 1))
    assert code == 1 and "--reason" in err
    code, _, err = _run(capsys, "issue", "note", "WT202611001", "注" * (ARG_MAX + 1))
    assert code == 1 and "#4" in err
    assert too_long_argument(["record", "X", "--note", "a" * ARG_MAX]) is None
    assert too_long_argument(["record", "X", "-n", "a" * (ARG_MAX + 1)]) == ("-n", ARG_MAX + 1)


def test_board_json_shows_the_disk_alert(desk, capsys, monkeypatch):
    store, _ = desk
    if db.sqlite_path(store.url) is None:
        pytest.skip("PostgreSQL: the disk is the server's")
    monkeypatch.setattr(alerts_svc, "statvfs", lambda path: SimpleNamespace(
        f_bavail=200 * 1024**2 // 4096, f_blocks=50 * 1024**3 // 4096, f_frsize=4096))
    code, out, err = _run(capsys, "--as", "supervisor", "board", "--json")
    assert code == 0, err
    (disk,) = [a for a in json.loads(out)["alerts"] if a["kind"] == "disk_low"]
    assert disk["free_bytes"] == 200 * 1024**2 and disk["total_bytes"] == 50 * 1024**3
    code, out, _ = _run(capsys, "--as", "supervisor", "board")
    assert code == 0 and "存储空间不足" in out and "剩余 200 MB" in out


def test_audit_shows_how_many_refusals_a_flood_made(desk, capsys):
    store, me = desk
    for _ in range(20):
        code, _, _ = _run(capsys, "board", "--json")
        assert code == 2
    with store.read() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.login == me)).all()
    assert len(rows) <= 2 * (REFUSALS_KEPT + 1)  # a minute may turn during the loop
    code, out, _ = _run(capsys, "--as", "supervisor", "audit", "--json", "--login", me)
    assert code == 0
    shown = json.loads(out)
    counted = sum(r["after"].get("count", 1) if r["action"] == "refused.more" else 1
                  for r in shown if r["action"].startswith("refused"))
    assert counted == 20
