"""The delivery, as reviewed (issue 26): quiet hours hold what is not urgent when it is sent,
not only when it is written (retries, rows routed late, a night between two tries); a route set
late reaches back only ``ROUTE_BACK``, and routing races neither a second sender nor ``emit``;
the lease is renewed before each send and a notification taken back while it was sent leaves a
trace; a notify file that cannot be used is one failed run of ``huifang serve`` and an alert on
the board; the retry rules' numbers and the failed state come from one place."""

from __future__ import annotations

import ast
import inspect
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from huifang_tui.channels.config import ChannelConfig
from huifang_tui.channels.send import send as send_real
from huifang_tui.core.i18n import t
from huifang_tui.domain import notify as rules
from huifang_tui.domain.calendar import WorkCalendar
from huifang_tui.domain.policy import Policy
from huifang_tui.services import notify as svc
from huifang_tui.services import outbox
from huifang_tui.services.board import board
from huifang_tui.store.models import AuditEntry, Notification, NotificationAttempt

from conftest import NOW
from factories import add_user

from .servers import RobotServer
from .test_delivery import PARAMS, emit, numbers, robot, row

pytestmark = pytest.mark.both_backends

MONDAY_LATE = datetime(2026, 11, 23, 17, 28)  # two minutes before the working hours end (17:30)
TUESDAY = datetime(2026, 11, 24, 8, 30)  # the next working moment


@pytest.fixture
def people(store, admin):
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    return admin, sup


def tries(store, nid: int) -> list[NotificationAttempt]:
    with store.read() as s:
        return list(s.exec(select(NotificationAttempt).where(NotificationAttempt.notification_id == nid)))


# -- 1. quiet hours when sending -------------------------------------------------------------

def test_a_row_routed_at_night_waits_for_the_working_hours(store, people):
    admin, sup = people
    (nid,) = emit(store, "low_score", "cb:HF202611001", at=NOW)  # no route yet: unrouted, due at once
    night = datetime(2026, 11, 23, 23, 0)
    with RobotServer("wecom") as server:
        channels = {"wx": robot("wx", server)}
        svc.set_route(store, admin, "low_score", ["wx"])
        assert svc.run_due(store, sup, channels, now=night).sent == 0
        assert server.received == []
        r = row(store, nid)
        assert (r.state, r.channel, r.next_try_at, r.tries) == ("pending", "wx", TUESDAY, 0)
        assert svc.run_due(store, sup, channels, now=TUESDAY).sent == 1
        assert numbers(server) == [nid]


def test_a_failure_late_in_the_day_is_not_tried_all_night(store, people):
    admin, sup = people
    with RobotServer("wecom") as server:
        channels = {"wx": robot("wx", server)}
        svc.set_route(store, admin, "low_score", ["wx"])
        (nid,) = emit(store, "low_score", "cb:HF202611001", at=MONDAY_LATE)
        server.script[:] = ["500"] * 20
        assert svc.run_due(store, sup, channels, now=MONDAY_LATE).retried == 1  # again at 17:29
        assert svc.run_due(store, sup, channels, now=MONDAY_LATE + timedelta(minutes=1)).retried == 1
        assert row(store, nid).next_try_at == TUESDAY  # 17:31 would be after hours: the morning
        for hour in (18, 20, 23):
            svc.run_due(store, sup, channels, now=datetime(2026, 11, 23, hour, 0))
        assert len(tries(store, nid)) == 2 and row(store, nid).state == "pending"


def test_a_row_due_in_the_evening_is_held_when_claimed_not_tried(store, people):
    """A row whose time came before the evening (a rate-limit wait, an old retry) is not sent
    at night: the claim moves it to the next working moment, not a try."""
    admin, sup = people
    with RobotServer("dingtalk") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "day_close", ["ding"])
        (nid,) = emit_day_close(store)
        rep = svc.run_due(store, sup, channels, now=datetime(2026, 11, 23, 21, 0))
        assert rep.sent == 0 and server.received == [] and tries(store, nid) == []
        assert row(store, nid).next_try_at == TUESDAY and row(store, nid).lease_until is None


def emit_day_close(store) -> list[int]:
    with store.write() as s:
        msg = t("notify.msg.day_close", **DAY_CLOSE)
        return [r.id for r in outbox.emit(s, "day_close", "dayclose:agent1:2026-11-23", msg, NOW)]


DAY_CLOSE = {"agent": "陈晓雯", "day": "2026-11-23", "figures": "—"}


def test_giving_up_counts_only_the_working_hours_of_a_kind_held_by_quiet_hours():
    cal, hours = WorkCalendar({}), Policy().work_hours
    friday_5pm, monday_9am = datetime(2026, 11, 27, 17, 0), datetime(2026, 11, 30, 9, 0)
    assert rules.trying_time("low_score", friday_5pm, monday_9am, cal, hours) == timedelta(hours=1)
    assert rules.trying_time("complaint", friday_5pm, monday_9am, cal, hours) == monday_9am - friday_5pm
    retry = rules.retry_rules(Policy())
    spent = rules.trying_time("low_score", friday_5pm, monday_9am, cal, hours)
    assert not rules.gives_up(1, friday_5pm, monday_9am, retry, spent=spent)


# -- 2. routing late: bounded, and taking turns with emit ---------------------------------------

def test_a_route_set_late_reaches_back_only_route_back(store, people):
    admin, sup = people
    (old,) = emit(store, "low_score", "cb:HF202610001", at=NOW - rules.ROUTE_BACK - timedelta(days=1))
    (new,) = emit(store, "low_score", "cb:HF202611001", at=NOW - timedelta(days=1))
    with RobotServer("wecom") as server:
        channels = {"wx": robot("wx", server)}
        svc.set_route(store, admin, "low_score", ["wx"])
        assert svc.run_due(store, sup, channels, now=NOW).sent == 1
        assert numbers(server) == [new]
    assert (row(store, old).state, row(store, old).channel) == ("unrouted", "")
    listed = {r["id"]: r["state"] for r in svc.status(store, sup)}
    assert listed[old] == "unrouted"


def test_routing_takes_turns_with_an_event_told_at_the_same_moment(store, people, backend):
    """PostgreSQL: ``emit`` tells an event (its route set meanwhile) in a transaction not yet
    committed while a sender routes the same event's unrouted row: the sender waits for it and
    then sees the channel told — no unique-key failure, the event told once."""
    if backend != "pg":
        pytest.skip("two writers at once: PostgreSQL (SQLite has one writer)")
    admin, sup = people
    ref = "cb:HF202611001"
    (first,) = emit(store, "low_score", ref, at=NOW)  # unrouted
    svc.set_route(store, admin, "low_score", ["wx"])
    failures: list[BaseException] = []
    with store.write() as s:  # the event told again (a planner's re-emit), not committed yet
        outbox.emit(s, "low_score", ref, t("notify.msg.low_score", **PARAMS["low_score"]), NOW)

        def sender() -> None:
            try:
                svc.run_due(store, sup, {}, now=NOW, limit=0)
            except BaseException as e:  # noqa: BLE001 - the test reports it
                failures.append(e)

        worker = threading.Thread(target=sender)
        worker.start()
        with store.engine.connect() as watch:  # the sender is waiting on a lock this transaction holds
            while worker.is_alive() and not watch.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                watch.rollback()
    worker.join()
    assert failures == []
    with store.read() as s:
        rows = list(s.exec(select(Notification).where(Notification.ref == ref)))
    assert [(r.channel, r.state) for r in rows] == [("wx", "pending")]
    assert first not in [r.id for r in rows]  # the unrouted row was told by the event: dropped


# -- 3. the lease renewed before each send; a row taken back while sent leaves a trace ---------

def test_the_lease_is_renewed_before_each_send_so_a_second_sender_does_not_send_it_again(store, people):
    admin, sup = people
    clock = [NOW]
    store.clock = lambda: clock[0]
    with RobotServer("dingtalk") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "complaint", ["ding"])
        (a,) = emit(store, ref="issue:WT001")
        (b,) = emit(store, ref="issue:WT002")
        calls = []

        def slow(cfg: ChannelConfig, msg):  # noqa: ANN001, ANN202
            calls.append(msg.number)
            if len(calls) == 1:  # the first send takes six minutes (a slow server, within its timeout)
                clock[0] = NOW + timedelta(minutes=6)
            elif len(calls) == 2:  # the second too: past the batch's first lease, a second sender runs
                clock[0] = NOW + timedelta(minutes=11)
                svc.run_due(store, sup, channels)
            return send_real(cfg, msg)

        svc.run_due(store, sup, channels, send=slow)
        assert sorted(numbers(server)) == [a, b]  # each once
    assert (row(store, b).state, row(store, b).lease_until) == ("sent", None)


def test_a_notification_taken_back_while_it_was_sent_leaves_a_trace(store, people):
    admin, sup = people
    with RobotServer("dingtalk") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "complaint", ["ding"])
        (nid,) = emit(store)

        def taken_back(cfg: ChannelConfig, msg):  # noqa: ANN001, ANN202
            with store.write() as s:  # far past the lease: withdraw may take it back
                outbox.withdraw(s, admin, NOW + 3 * rules.LEASE, ["complaint"], "issue:WT202611001")
            return send_real(cfg, msg)

        assert svc.run_due(store, sup, channels, send=taken_back, now=NOW).sent == 0
        assert numbers(server) == [nid]
    with store.read() as s:
        trace = list(s.exec(select(AuditEntry).where(AuditEntry.action == "notification.sent_withdrawn")))
        assert s.get(Notification, nid) is None
    assert [(e.entity, e.entity_id, e.login) for e in trace] == [("notification", str(nid), "supervisor")]
    assert "ding" in trace[0].after and "complaint" in trace[0].after


# -- 4. a notify file that cannot be used ------------------------------------------------------

def test_an_unsafe_notify_file_is_one_failed_run_of_serve_and_an_alert_until_fixed(store, tmp_path, monkeypatch,
                                                                                   capsys):
    from huifang_tui import cli
    from huifang_tui.services.users import os_login

    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    path = tmp_path / "notify.toml"
    path.write_text('[channel.ding]\ntype = "dingtalk"\nurl = "https://oapi.dingtalk.com/robot/send?access_token=x"\n',
                    encoding="utf-8")
    path.chmod(0o644)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(path))
    capsys.readouterr()

    rc = cli.main(["serve", "--once"])
    out, err = capsys.readouterr()
    assert (rc, err) == (0, ""), err
    assert len(out.strip().splitlines()) == 1 and t("serve.job_notify") in out and "Traceback" not in out

    def sender_alerts() -> list:
        b = board(store, sup, date.today(), now=datetime.now() + timedelta(minutes=5))
        return [a for a in b.alerts if a.kind == "notify_sender"]

    (alert,) = sender_alerts()
    assert alert.detail and alert.detail in out  # what serve said, in the reader's language
    assert cli.main(["notify", "run"]) == 2  # the command itself still refuses the file
    capsys.readouterr()
    assert len(sender_alerts()) == 1

    path.chmod(0o600)
    assert cli.main(["notify", "run"]) == 0
    capsys.readouterr()
    assert sender_alerts() == []


async def test_the_board_at_80_shows_why_the_sender_cannot_send_and_enter_gives_it_whole(store, people):
    from huifang_tui.app import HuifangApp
    from huifang_tui.screens.board import BoardScreen
    from huifang_tui.screens.dialogs import MessageDialog

    from pilot_help import settle

    _admin, sup = people
    reason = t("channels.err.unsafe_user", path="/home/zhou/.config/huifang/notify.toml")
    svc.sender_failed(store, sup, reason, NOW - timedelta(minutes=3))
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        table = app.screen.query_one("#board-alerts")
        keys = [r.value for r in table.rows]
        assert keys[0] == "notify_sender:"  # first: nothing at all goes out
        cells = [str(c) for c in table.get_row("notify_sender:")]
        assert t("alertshort.notify_sender") in [c.strip() for c in cells] and t("board.pool") not in cells
        table.focus()
        table.move_cursor(row=0)
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.title_text == t("board.alert.notify_sender") and app.screen.body == reason


def test_the_sender_alert_has_words_in_both_languages_short_enough_for_80_columns():
    from rich.cells import cell_len

    from huifang_tui.core.i18n import catalog

    for lang in ("zh_CN", "en"):
        words = catalog(lang)
        assert words["board.alert.notify_sender"]
        assert cell_len(words["alertshort.notify_sender"]) <= max(
            cell_len(words["alertshort.unreachable"]), cell_len(words["alertshort.notify_failed"]))


# -- 5. one place for the rules' numbers and the failed state ---------------------------------

def _literals(node: ast.AST) -> list:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)]


def test_the_retry_defaults_are_the_policys():
    assert rules.Retry() == rules.retry_rules(Policy())
    body = ast.parse(inspect.getsource(rules.Retry))
    assert not [v for v in _literals(body) if isinstance(v, int) and not isinstance(v, bool)]


def test_the_board_names_the_failed_state_from_the_domain():
    from huifang_tui.services import alerts

    assert rules.FAILED not in _literals(ast.parse(inspect.getsource(alerts.alerts_notify_failed)))
