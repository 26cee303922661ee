"""One word for each state of a request to a supervisor, everywhere (issue 25 items 5 and 14): the
board's alert (wide and narrow), the queue's mark, the command line's help and list, the audit
log — in both languages."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from huifang_tui.core.errors import Conflict
from huifang_tui.core.i18n import set_lang, t
from huifang_tui.services import requests as req
from huifang_tui.services.assignment import assign
from huifang_tui.services.audit_log import audit_log

from conftest import NOW
from factories import add_callback, add_customer, add_user

STATES = ("pending", "approved", "refused", "stale")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_board_names_a_waiting_request_by_its_state_word(lang):
    set_lang(lang)
    pending = t("requests.mark.pending")
    assert pending in t("board.alert.supervisor_request")  # huifang board, the wide board
    assert pending in t("alertshort.supervisor_request")  # the board at 80 columns
    assert len({t(f"requests.mark.{s}") for s in STATES}) == len(STATES)


def test_the_command_line_names_the_states_by_the_same_words():
    words = t("requests.cli.state")
    assert all(t(f"requests.mark.{s}") in words for s in STATES)


def test_the_audit_log_says_the_requests_states_in_the_same_words(store):
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "sup1", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    for n in ("HF202611001", "HF202611002", "HF202611003"):
        add_callback(store, cid, n, deadline_on=NOW.date(), contact=n)  # not one call: one each
    tomorrow = datetime(2026, 11, 24, 10, 0)
    ok = req.ask(store, agent, "HF202611001", "reschedule", tomorrow, "客户出差")
    no = req.ask(store, agent, "HF202611002", "defer", date(2026, 11, 25), "客户出差")
    void = req.ask(store, agent, "HF202611003", "defer", date(2026, 11, 25), "客户出差")
    req.approve(store, sup, ok.id)
    req.refuse(store, sup, no.id, "今天再打")
    assign(store, sup, "HF202611003", "sup1")
    with pytest.raises(Conflict):  # reassigned meanwhile: void
        req.approve(store, sup, void.id)
    rows = {r.action: r for r in audit_log(store, sup) if r.entity == "request"}
    for action, state in (("request.approve", "approved"), ("request.refuse", "refused"),
                          ("request.stale", "stale")):
        text = rows[action].change_text
        assert t(f"requests.mark.{state}") in text and t("requests.mark.pending") in text, text
