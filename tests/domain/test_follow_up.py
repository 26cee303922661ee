"""跟进状态 — the one definition (issue 22 item 4; SPEC §3), and the word lists the doors read."""

from __future__ import annotations

import pytest

from huifang_tui.domain.follow_up import Following, any_low, follow_up_state, is_low_score, owed_kinds


def _owed(res=5, att=5, negative=False, onsite=False, threshold=3):
    return owed_kinds(score_resolution=res, score_attitude=att, negative_feedback=negative, needs_onsite=onsite,
                      threshold=threshold)


@pytest.mark.parametrize(("owed", "following", "state"), [
    # 需跟进: owed and none exists yet (a cancelled one is as if never made)
    (("low_score",), Following(), "needed"),
    (("low_score",), Following((("low_score", "cancelled"),)), "needed"),
    (("low_score", "onsite"), Following((("low_score", "open"),)), "needed"),
    # 跟进中: a follow-up or an issue is open (solved is not closed: the customer is not told yet)
    (("low_score",), Following((("low_score", "open"),)), "in_progress"),
    (("low_score",), Following((("low_score", "waiting_data"),)), "in_progress"),
    ((), Following(issues=("acknowledged",)), "in_progress"),
    ((), Following(issues=("solved",)), "in_progress"),
    (("onsite",), Following((("onsite", "completed"),), ("open",)), "in_progress"),
    # 已跟进: every one closed (a follow-up that could not reach the customer is closed too)
    (("low_score",), Following((("low_score", "completed"),)), "done"),
    (("low_score",), Following((("low_score", "unreachable"),), ("closed",)), "done"),
    ((), Following(issues=("closed",)), "done"),
    # 无需跟进: nothing owed, nothing follows (the chain's next link is not a follow-up)
    ((), Following(), "none"),
    ((), Following((("quarterly", "open"),)), "none"),
])
def test_four_states(owed, following, state):
    assert follow_up_state(completed=True, owed=owed, following=following) == state


def test_a_low_score_is_never_none():
    for threshold in range(1, 7):
        for res in range(1, 6):
            for att in range(1, 6):
                owed = _owed(res, att, threshold=threshold)
                for following in (Following(), Following((("low_score", "completed"),)),
                                  Following((("low_score", "cancelled"),))):
                    st = follow_up_state(completed=True, owed=owed, following=following)
                    if any_low((res, att), threshold):
                        assert st != "none"
                    elif not following.follow_ups or following.follow_ups[0][1] == "cancelled":
                        assert st == "none"


def test_what_is_owed_follows_the_threshold():
    assert _owed(3, 5) == ()
    assert _owed(3, 5, threshold=4) == ("low_score",)
    assert _owed(5, 5, negative=True, onsite=True) == ("low_score", "onsite")
    assert not is_low_score(None, 4) and is_low_score(3, 4) and not is_low_score(4, 4)


def test_a_record_not_done_has_no_state_until_something_follows_it():
    assert follow_up_state(completed=False, owed=("low_score",), following=Following()) is None
    assert follow_up_state(completed=False, owed=(), following=Following(issues=("open",))) == "in_progress"


def test_the_doors_read_the_domain_word_lists():
    from huifang_tui.cli import issues as cli_issues
    from huifang_tui.cli import work as cli_work
    from huifang_tui.domain import issues, words
    from huifang_tui.screens import ledger
    from huifang_tui.services import base, listing

    assert base.ROLES is words.ROLES
    assert cli_issues.CATEGORIES is issues.CATEGORIES is words.ISSUE_CATEGORIES
    assert cli_issues.PRIORITIES is ledger.PRIORITIES is words.ISSUE_PRIORITIES
    assert ledger.CATEGORIES[1:] == words.ISSUE_CATEGORIES
    assert listing.STATUSES is words.CALLBACK_STATUSES
    assert cli_work.CALLBACK_STATUSES is words.CALLBACK_STATUSES


def test_argparse_takes_the_roles_from_the_domain(monkeypatch):
    from huifang_tui.cli.parser import build
    from huifang_tui.domain import words

    monkeypatch.setattr(words, "ROLES", (*words.ROLES, "auditor"))
    args = build("user").parse_args(["user", "add", "x", "--role", "auditor", "--name", "X"])
    assert args.role == "auditor"
