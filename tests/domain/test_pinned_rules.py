"""Domain rules pinned at their edges: each case fails when the rule it names is broken.

Table-driven; each row cites SPEC § or the seed it comes from. The broader behaviour of each
function is in the neighbouring test files; these rows sit on the boundaries.
"""

from datetime import date as D
from datetime import datetime as T
from datetime import timedelta

import pytest

from huifang_tui.domain.facts import CompletedCallback
from huifang_tui.domain.issues import END_OF_DAY, escalation_level, issue_deadlines
from huifang_tui.domain.outcomes import AttemptState, OutcomeError, apply_outcome
from huifang_tui.domain.policy import Policy
from huifang_tui.domain.queue import FOLLOWUP_PRIORITY, group_same_customer, sort_key
from huifang_tui.domain.rules import after_completion

from .conftest import customer

# -- complaint → 总经理 (level 2) at once; missed deadlines raise one level each -------------

ACK, SOLVE = T(2025, 10, 9, 17), D(2025, 10, 11)


@pytest.mark.parametrize("complaint, acked, solved, now, level", [
    # 000 §4.11: a complaint is level 2 whatever its deadlines say
    (True, T(2025, 10, 9, 9), T(2025, 10, 9, 10), T(2025, 10, 9, 11), 2),
    (True, None, None, T(2025, 10, 1), 2),
    # 003 关键执行要点: acknowledged exactly at ack_by is on time
    (False, ACK, None, T(2025, 10, 10), 0),
    (False, ACK + timedelta(seconds=1), None, T(2025, 10, 10), 1),
    (False, None, None, ACK, 0),  # not yet acknowledged, but ack_by not passed
    # solved on the solve_by day (any hour) is on time; the next day is late
    (False, ACK, T(2025, 10, 11, 23, 59), T(2025, 10, 20), 0),
    (False, ACK, T(2025, 10, 12, 0, 0), T(2025, 10, 20), 1),
    (False, ACK, None, T(2025, 10, 11, 23, 59), 0),
    (False, ACK, None, T(2025, 10, 12, 0, 0), 1),
    # both missed: 总经理, and never more than level 2
    (False, T(2025, 10, 20), T(2025, 10, 21), T(2025, 10, 30), 2),
])
def test_escalation_edges(complaint, acked, solved, now, level):
    assert escalation_level(complaint, ACK, acked, SOLVE, solved, now) == level


def test_calendar_day_solve_moves_back_to_a_working_day_but_never_before_the_day_raised(cal):
    # SPEC §3 issue table: a solution "within n days" falls on a working day, not before raising
    days = Policy.from_mapping({"issue": {"normal": {"solve": "3d"}}})
    # raised Fri 10-10 + 3 days = Mon 10-13 (working)
    assert issue_deadlines("normal", T(2025, 10, 10, 9), days, cal).solve_by == D(2025, 10, 13)
    # raised Tue 09-30 + 3 = 10-03 (国庆) → back to 09-30 itself
    assert issue_deadlines("normal", T(2025, 9, 30, 9), days, cal).solve_by == D(2025, 9, 30)
    # raised on a holiday 10-02 + 3 = 10-05 (holiday) → not before the first working day 10-09
    assert issue_deadlines("normal", T(2025, 10, 2, 9), days, cal).solve_by == D(2025, 10, 9)


def test_working_day_acknowledgement_is_due_by_the_end_of_that_day(cal):
    # SPEC §3: low priority, acknowledged within 3 working days (by 23:59:59 of the 3rd)
    d = issue_deadlines("low", T(2025, 10, 9, 8), Policy(), cal)
    assert d.ack_by == T.combine(D(2025, 10, 13), END_OF_DAY)
    hours = Policy.from_mapping({"issue": {"low": {"ack": "5h"}}})
    assert issue_deadlines("low", T(2025, 10, 9, 8), hours, cal).ack_by == T(2025, 10, 9, 13)


# -- low-score follow-up: within 24 hours of the call (003 四) --------------------------------


def _done(res=5, att=5, neg=False, at=T(2025, 10, 9, 10), kind="completion"):
    return CompletedCallback("HF202510001", 1, kind, "wo:SX1", at, res, att, neg, False)


@pytest.mark.parametrize("res, att, neg, low", [
    (2, 5, False, True),  # 003 四: below 3 on either score
    (5, 2, False, True),
    (1, None, False, True),
    (None, 2, False, True),
    (3, 3, False, False),  # 3 itself is not low
    (None, None, False, False),  # no scores: nothing to judge
    (5, 5, True, True),  # negative feedback alone
])
def test_what_counts_as_low(res, att, neg, low, cal):
    plans = after_completion(_done(res, att, neg), customer(), Policy(), cal)
    assert [p.kind for p in plans] == (["low_score"] if low else [])


@pytest.mark.parametrize("at, deadline_at, deadline_on", [
    # 003 四 (24 小时内): Thu 10:00 → Fri 10:00
    (T(2025, 10, 9, 10), T(2025, 10, 10, 10), D(2025, 10, 10)),
    # across 国庆: the 24 h run on the clock, not on working days; the date moves back
    (T(2025, 9, 30, 15), T(2025, 10, 1, 15), D(2025, 9, 30)),
])
def test_low_score_deadline_is_24_clock_hours(at, deadline_at, deadline_on, cal):
    (plan,) = after_completion(_done(res=1, at=at), customer(), Policy(), cal)
    assert (plan.due_on, plan.deadline_at, plan.deadline_on) == (at.date(), deadline_at, deadline_on)
    assert (plan.assignee, plan.priority) == ("followup", 0)


def test_low_score_hours_and_threshold_come_from_the_policy(cal):
    p = Policy.from_mapping({"low_score": {"hours": 48, "threshold": 4}})
    (plan,) = after_completion(_done(res=3, att=5), customer(), p, cal)
    assert plan.deadline_at == T(2025, 10, 11, 10)
    assert after_completion(_done(res=4, att=4), customer(), p, cal) == []


# -- 改约 past the deadline: refused unless a supervisor allows it (SPEC §3) --------------------


DATE_DEADLINE = AttemptState(0, D(2025, 10, 9), D(2025, 10, 10), None)
HOUR_DEADLINE = AttemptState(0, D(2025, 10, 9), D(2025, 10, 10), T(2025, 10, 10, 16))
AT = T(2025, 10, 9, 9)


@pytest.mark.parametrize("state, to, ok", [
    (DATE_DEADLINE, T(2025, 10, 10, 17, 29), True),  # a date deadline lasts all that (working) day
    (DATE_DEADLINE, T(2025, 10, 11, 9, 0), False),  # Sat 10-11 is a 调休 working day, but past it
    (HOUR_DEADLINE, T(2025, 10, 10, 16, 0), True),  # an hour deadline: up to that minute
    (HOUR_DEADLINE, T(2025, 10, 10, 16, 1), False),
    (DATE_DEADLINE, AT + timedelta(minutes=1), True),
    (DATE_DEADLINE, AT, False),  # not "now": the time must be later than the call
])
def test_reschedule_edges(state, to, ok, cal):
    if ok:
        t = apply_outcome(state, "reschedule", AT, Policy(), cal, to=to)
        assert (t.status, t.due_on, t.next_attempt_at, t.attempts) == ("open", to.date(), to, 0)
        assert (t.alert_supervisor, t.flag_contact) == (False, False)  # 改约 alerts nobody, flags nothing
    else:
        with pytest.raises(OutcomeError) as e:
            apply_outcome(state, "reschedule", AT, Policy(), cal, to=to)
        assert e.value.code in ("past_deadline", "to_past")


def test_reschedule_refusals_carry_codes_and_parameters(cal):
    with pytest.raises(OutcomeError) as e:
        apply_outcome(HOUR_DEADLINE, "reschedule", AT, Policy(), cal, to=T(2025, 10, 11, 9))
    assert (e.value.code, e.value.params) == ("past_deadline", {"deadline": "2025-10-10 16:00"})
    with pytest.raises(OutcomeError) as e:
        apply_outcome(DATE_DEADLINE, "reschedule", AT, Policy(), cal, to=T(2025, 10, 8, 9))
    assert (e.value.code, e.value.params) == ("to_past", {"when": "2025-10-08 09:00"})
    with pytest.raises(OutcomeError) as e:
        apply_outcome(DATE_DEADLINE, "reschedule", AT, Policy(), cal)
    assert e.value.code == "to_missing"
    with pytest.raises(OutcomeError) as e:
        apply_outcome(DATE_DEADLINE, "voicemail", AT, Policy(), cal)
    assert (e.value.code, e.value.params) == ("unknown", {"value": "voicemail"})
    t = apply_outcome(DATE_DEADLINE, "reschedule", AT, Policy(), cal, to=T(2025, 10, 13, 9),
                      may_exceed_deadline=True)
    assert t.due_on == D(2025, 10, 13)


# -- retries (SPEC §3, seed-silent defaults) --------------------------------------------------


@pytest.mark.parametrize("max_attempts, before, status", [
    (3, 1, "open"), (3, 2, "unreachable"), (5, 3, "open"), (5, 4, "unreachable"), (1, 0, "unreachable"),
])
def test_max_attempts_comes_from_the_policy(max_attempts, before, status, cal):
    p = Policy.from_mapping({"retry": {"max_attempts": max_attempts}})
    t = apply_outcome(AttemptState(before, D(2025, 10, 9), D(2025, 10, 20), None), "no_answer", AT, p, cal)
    assert (t.status, t.attempts, t.alert_supervisor) == (status, before + 1, status == "unreachable")


@pytest.mark.parametrize("state, at, hours, next_at", [
    # busy: retry the same day after busy_retry_hours, if that is still before the deadline
    (HOUR_DEADLINE, T(2025, 10, 10, 14), 2, T(2025, 10, 10, 16)),  # exactly the deadline: allowed
    # would miss it: the next working day's first working hour (SPEC §3 work_hours)
    (HOUR_DEADLINE, T(2025, 10, 10, 14, 1), 2, T(2025, 10, 11, 8, 30)),
    (DATE_DEADLINE, T(2025, 10, 9, 8, 45), 3, T(2025, 10, 9, 11, 45)),
    (DATE_DEADLINE, T(2025, 10, 9, 21), 3, T(2025, 10, 10, 8, 30)),  # 24:00 is another day
])
def test_busy_retry_edges(state, at, hours, next_at, cal):
    p = Policy.from_mapping({"retry": {"busy_retry_hours": hours}})
    t = apply_outcome(state, "busy", at, p, cal)
    assert (t.status, t.next_attempt_at, t.due_on) == ("open", next_at, next_at.date())


# -- the queue: follow-ups first, one call per customer (SPEC §3, §4) ---------------------------


def test_only_priority_zero_is_the_first_band():
    now_deadline = D(2025, 10, 20)
    first = sort_key(FOLLOWUP_PRIORITY, False, now_deadline, None, "HF9")
    overdue = sort_key(FOLLOWUP_PRIORITY + 1, True, D(2025, 10, 1), None, "HF1")
    assert first < overdue  # a follow-up outranks even an overdue callback
    # inside a band: an earlier deadline first, then the lower priority, then the number
    assert sort_key(3, False, D(2025, 10, 1), None, "HF9") < sort_key(1, False, D(2025, 10, 2), None, "HF1")
    assert sort_key(1, False, D(2025, 10, 1), None, "HF9") < sort_key(3, False, D(2025, 10, 1), None, "HF1")
    assert sort_key(1, False, D(2025, 10, 1), None, "HF1") < sort_key(1, False, D(2025, 10, 1), None, "HF2")
    # an hour deadline counts at its hour, a date deadline at the end of its day
    assert sort_key(1, False, D(2025, 10, 1), T(2025, 10, 1, 12), "HF9") < \
        sort_key(1, False, D(2025, 10, 1), None, "HF1")


def test_grouping_pulls_later_items_of_a_customer_up_to_their_first():
    # SPEC §3: one customer's open callbacks on one day are one call, presented together
    items = [(1, "A"), (2, "B"), (3, "A"), (4, "C"), (5, "B"), (6, "A")]
    groups = group_same_customer(items, key=lambda i: i[1])
    assert [[n for n, _ in g] for g in groups] == [[1, 3, 6], [2, 5], [4]]
    assert group_same_customer([]) == []


# -- smaller rules found by mutation testing ---------------------------------------------------


def test_parse_when_minutes_offset_and_refusal_code():
    from huifang_tui.domain.outcomes import parse_when

    now = T(2026, 5, 6, 10, 20)
    assert parse_when("+30m", now) == T(2026, 5, 6, 10, 50)
    assert parse_when("+1D", now) == T(2026, 5, 7, 8, 30)  # a day offset: that day's first working hour
    with pytest.raises(OutcomeError) as e:
        parse_when("下周", now)
    assert e.value.code == "bad_time" and e.value.params["value"] == "下周"
    assert "+2d" in e.value.params["usage"]


@pytest.mark.parametrize("satisfaction, ok", [(1, True), (5, True), (0, False), (6, False), (None, False)])
def test_issue_closes_only_with_a_satisfaction_of_1_to_5(satisfaction, ok):
    from huifang_tui.domain.issues import can_close

    # 001 六(二)3: 满意度 on the 1–5 scale
    assert can_close("更换压缩机", D(2025, 10, 9), satisfaction) == ([] if ok else ["satisfaction"])


@pytest.mark.parametrize("year, month, visible, due", [
    # 000 §4.9: visible from the last working day of M — 03-31 (Tue), not 04-01
    (2026, 3, D(2026, 3, 31), D(2026, 4, 2)),
    (2026, 6, D(2026, 6, 30), D(2026, 7, 2)),
])
def test_summary_is_visible_from_the_last_working_day_of_the_month(year, month, visible, due, cal):
    from huifang_tui.domain.summary import SummaryDue, summary_due

    assert summary_due(year, month, cal) == SummaryDue(visible, due)
    later = Policy.from_mapping({"summary": {"due_day": 5}})
    assert summary_due(year, month, cal, later).due_on == due.replace(day=5)


def test_a_sleeping_non_member_with_an_onsite_cycle_gets_both(cal):
    from huifang_tui.domain.rules import for_customer

    # 001 三(一)2 and 000 第6条1 apply together: neither replaces the other
    cust = customer(tier="strategic", last_activity_on=D(2026, 1, 5))
    plans = for_customer(cust, Policy(), cal, D(2026, 5, 20))
    assert [(p.kind, p.trigger_ref) for p in plans] == [("nm_inactive", "inactive:2026-01-05"),
                                                        ("onsite", "onsite:2026-2")]


def test_a_working_day_span_has_no_fixed_length():
    from huifang_tui.domain.policy import Span

    with pytest.raises(ValueError):
        Span(3, "wd").as_timedelta()
    assert (Span(3, "d").as_timedelta(), Span(3, "h").as_timedelta()) == (timedelta(days=3), timedelta(hours=3))


@pytest.mark.parametrize("tier, today, ref, start, end", [
    # 000 第6条1: the first day of a cycle already belongs to it
    ("strategic", D(2026, 4, 1), "onsite:2026-2", D(2026, 4, 1), D(2026, 6, 30)),
    ("strategic", D(2026, 1, 5), "onsite:2026-1", D(2026, 1, 4), D(2026, 3, 31)),
    ("major", D(2026, 7, 1), "onsite:2026-2", D(2026, 7, 1), D(2026, 12, 31)),
    ("major", D(2026, 6, 30), "onsite:2026-1", D(2026, 1, 4), D(2026, 6, 30)),
])
def test_onsite_cycle_of_a_day(tier, today, ref, start, end, cal):
    from huifang_tui.domain.rules import for_customer

    (plan,) = for_customer(customer(tier=tier, is_member=True), Policy(), cal, today)
    assert (plan.kind, plan.trigger_ref, plan.due_on, plan.deadline_on) == ("onsite", ref, start, end)


def test_progress_check_only_once_the_planned_completion_has_passed(cal):
    from huifang_tui.domain.facts import WorkOrderFact
    from huifang_tui.domain.rules import for_work_order

    # 000 §4.5: "逾期未完工" — at the planned moment itself it is not late yet
    wo = WorkOrderFact(1, "SX1", 1, "install", T(2025, 10, 13, 18), None)
    assert for_work_order(wo, customer(), Policy(), cal, T(2025, 10, 13, 18)) == []
    (plan,) = for_work_order(wo, customer(), Policy(), cal, T(2025, 10, 13, 18, 1))
    assert plan.kind == "progress_check"


def test_a_due_day_after_the_deadline_day(cal):
    from huifang_tui.domain.rules import annual_visit

    # SPEC §3 conventions: a date deadline moves back, due_on forward; if they cross, due_on is
    # clamped to the deadline. Planned Sat 2025-10-18 with the deadline that same Saturday:
    (plan,) = annual_visit(customer(tier="key"), D(2025, 10, 18), 1, Policy(), cal, deadline_on=D(2025, 10, 18))
    assert (plan.due_on, plan.deadline_on) == (D(2025, 10, 17), D(2025, 10, 17))
    # An hour deadline keeps due_on (the follow-up is due at once) and its date follows it:
    # a low score recorded on Sat 10-18 16:00 is due Mon 10-20, deadline Sun 10-19 16:00.
    (plan,) = after_completion(_done(res=1, at=T(2025, 10, 18, 16)), customer(), Policy(), cal)
    assert (plan.due_on, plan.deadline_on, plan.deadline_at) == (D(2025, 10, 20), D(2025, 10, 20),
                                                                 T(2025, 10, 19, 16))


def test_estimated_when_either_date_falls_in_a_year_without_data(cal):
    from huifang_tui.domain.facts import WorkOrderFact
    from huifang_tui.domain.rules import for_work_order

    # SPEC §3: 预估 when any date of the callback is judged Monday–Friday only (2027 has no data)
    wo = WorkOrderFact(1, "SX1", 1, "consult", None, T(2026, 12, 29, 10))
    (plan,) = for_work_order(wo, customer(), Policy(), cal, T(2026, 12, 29, 11))
    assert plan.due_on.year == 2026 and plan.deadline_on.year == 2027 and plan.estimated


def test_an_onsite_visit_with_a_low_score_gets_both_follow_ups(cal):
    # 003 四 and 000 第6条1 together: the low-score call and the next on-site cycle
    done = CompletedCallback("HF202605001", 1, "onsite", "onsite:2026-2", T(2026, 5, 6, 10), 2, 5, False, False)
    plans = after_completion(done, customer(tier="strategic"), Policy(), cal)
    assert [(p.kind, p.trigger_ref) for p in plans] == [("low_score", "cb:HF202605001"),
                                                        ("onsite", "onsite:2026-3")]


def test_the_first_working_day_of_a_year_is_found_going_backwards(cal):
    # 2026 元旦 1-1…1-3; Sunday 1-4 is a 调休 working day, the year's first
    assert cal.previous_working_day(D(2026, 1, 5)) == D(2026, 1, 4)
    assert cal.add_working_days(D(2026, 1, 5), -2) == D(2025, 12, 31)


def test_policy_bounds_are_inclusive_and_spans_must_be_text():
    from huifang_tui.domain.policy import PolicyError

    assert Policy.from_mapping({"summary": {"due_day": 28}}).summary_due_day == 28  # 1..28
    with pytest.raises(PolicyError, match=r"issue\.low\.ack.*h/d/wd"):
        Policy.from_mapping({"issue": {"low": {"ack": 3}}})
