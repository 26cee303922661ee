"""Scheduling rules, table-driven: SPEC §3 table (seed refs per row)."""

from datetime import date as D
from datetime import datetime as T

import pytest

from huifang_tui.domain.facts import CompletedCallback, EventFact, SaleFact, WorkOrderFact
from huifang_tui.domain.rules import (
    after_closing, after_completion, annual_visit, for_customer, for_event, for_sale, for_work_order, new_only,
)

from .conftest import customer


def brief(plans):
    """(kind, trigger_ref, due_on, deadline_on, assignee) of each plan."""
    return [(p.kind, p.trigger_ref, p.due_on, p.deadline_on, p.assignee) for p in plans]


def wo(service="install", planned=None, actual=None, number="SX202405001"):
    return WorkOrderFact(1, number, 1, service, planned, actual)


WORK_ORDER_CASES = [
    # SPEC §3 completion; 003 四 (3 working days) across 国庆: 10-09, 10-10, 10-11 (Sat 调休)
    # + usage, 000 二.2/§4.9: 11-30 (Sun) moves forward to 12-01, deadline 12-30
    (wo(actual=T(2025, 9, 30, 15)), T(2025, 10, 1),
     [("completion", "wo:SX202405001", D(2025, 10, 9), D(2025, 10, 11), "agent"),
      ("usage", "wo:SX202405001", D(2025, 12, 1), D(2025, 12, 30), "agent")]),
    # SPEC §3 completion; 003 表1 SX202405001 done 2024-05-02 17:00, 劳动节 5-1…5-5
    (wo(service="repair", planned=T(2024, 5, 3, 18), actual=T(2024, 5, 2, 17)), T(2024, 5, 6),
     [("completion", "wo:SX202405001", D(2024, 5, 6), D(2024, 5, 8), "agent"),
      ("usage", "wo:SX202405001", D(2024, 7, 2), D(2024, 8, 2), "agent")]),
    # SPEC §3 usage only for on-site types (000 二.2): a consult gets a completion only
    (wo(service="consult", actual=T(2025, 3, 3, 10)), T(2025, 3, 3, 11),
     [("completion", "wo:SX202405001", D(2025, 3, 4), D(2025, 3, 6), "agent")]),
    (wo(service=None, actual=T(2025, 3, 3, 10)), T(2025, 3, 3, 11),
     [("completion", "wo:SX202405001", D(2025, 3, 4), D(2025, 3, 6), "agent")]),
    # SPEC §3 progress_check; 000 §4.5: planned 2024-05-03 18:00 (holiday) passed, not done
    (wo(planned=T(2024, 5, 3, 18)), T(2024, 5, 4, 9),
     [("progress_check", "wo:SX202405001", D(2024, 5, 6), D(2024, 5, 7), "agent")]),
    # 000 §4.5: not yet past the planned completion → nothing
    (wo(planned=T(2024, 5, 3, 18)), T(2024, 5, 3, 17, 59), []),
    (wo(planned=None), T(2024, 5, 3), []),
]


@pytest.mark.parametrize("fact, now, expected", WORK_ORDER_CASES)
def test_for_work_order(fact, now, expected, policy, cal):
    assert brief(for_work_order(fact, customer(), policy, cal, now)) == expected


def test_completed_work_order_has_no_progress_check(policy, cal):
    # SPEC §3 progress_check: "with no completion reported"
    plans = for_work_order(wo(planned=T(2024, 5, 1), actual=T(2024, 5, 8, 12)), customer(),
                           policy, cal, T(2024, 5, 9))
    assert [p.kind for p in plans] == ["completion", "usage"]


def test_fact_of_another_customer_is_refused(policy, cal):
    with pytest.raises(ValueError):
        for_work_order(wo(actual=T(2025, 1, 2)), customer(id=2), policy, cal, T(2025, 1, 3))


SALE_CASES = [
    # SPEC §3 first_sale; 000 第4条 (一个月内): sold in 春节 2025 → due 02-05, deadline 02-28
    (D(2025, 1, 31), D(2025, 2, 5), D(2025, 2, 28)),
    # 000 第4条: sold 09-30 → due after 国庆 10-09; deadline 10-30
    (D(2025, 9, 30), D(2025, 10, 9), D(2025, 10, 30)),
    # 000 第4条: Sat 01-31 + 1 month = 02-28, itself a 调休 Saturday → kept
    (D(2026, 1, 31), D(2026, 2, 2), D(2026, 2, 28)),
]


@pytest.mark.parametrize("sold_on, due, deadline", SALE_CASES)
def test_for_sale(sold_on, due, deadline, policy, cal):
    plans = for_sale(SaleFact(1, "HT-001", 1, sold_on), customer(is_member=True), policy, cal)
    assert brief(plans) == [("first_sale", "sale:HT-001", due, deadline, "agent")]


EVENT_CASES = [
    # SPEC §3 nm_new; 001 三(一)1 (3 working days): 09-30 → 10-09 … 10-11
    ("registration", D(2025, 9, 30), [("nm_new", "reg:2025-09-30", D(2025, 10, 9), D(2025, 10, 11))]),
    # SPEC §3 nm_event; 001 三(一)3 (2 working days): Fri 10-10 → Sat 10-11 (调休), Mon 10-13
    ("activity", D(2025, 10, 10),
     [("nm_event", "event:activity:2025-10-10", D(2025, 10, 11), D(2025, 10, 13))]),
    ("inquiry", D(2025, 3, 7), [("nm_event", "event:inquiry:2025-03-07", D(2025, 3, 10), D(2025, 3, 11))]),
]


@pytest.mark.parametrize("kind, on, expected", EVENT_CASES)
def test_for_event(kind, on, expected, policy, cal):
    plans = for_event(EventFact(1, 1, kind, on), customer(), policy, cal)
    assert [b[:4] for b in brief(plans)] == expected
    # 001 总则: the non-member policy does not apply to members
    assert for_event(EventFact(1, 1, kind, on), customer(is_member=True), policy, cal) == []


def test_unknown_event_kind(policy, cal):
    with pytest.raises(ValueError):
        for_event(EventFact(1, 1, "party", D(2025, 3, 7)), customer(), policy, cal)


CUSTOMER_CASES = [
    # SPEC §3 nm_inactive; 001 三(一)2 (6 months): 04-01 + 6 = 10-01 → 10-09; +1 month = Sun 11-09 → 11-07
    (customer(last_activity_on=D(2025, 4, 1)), D(2025, 10, 9),
     [("nm_inactive", "inactive:2025-04-01", D(2025, 10, 9), D(2025, 11, 7), "agent")]),
    # same, the day before its due_on → not yet
    (customer(last_activity_on=D(2025, 4, 1)), D(2025, 10, 8), []),
    # 001 三(二)2: tier key+ after 3 months; registration used when no activity is known
    (customer(tier="key", registered_on=D(2025, 7, 1)), D(2025, 10, 20),
     [("nm_inactive", "inactive:2025-07-01", D(2025, 10, 9), D(2025, 11, 7), "agent")]),
    # SPEC §7 the still-inactive exception: the computed deadline (2024-11-07) passed long ago,
    # but the state still holds: due on the first working day on or after the run, +1 month
    (customer(last_activity_on=D(2024, 4, 1)), D(2025, 10, 11),
     [("nm_inactive", "inactive:2024-04-01", D(2025, 10, 11), D(2025, 11, 11), "agent")]),
    # members and customers without any date get none
    (customer(is_member=True, last_activity_on=D(2024, 1, 1)), D(2025, 10, 20), []),
    (customer(), D(2025, 10, 20), []),
    # SPEC §3 onsite; 000 第6条1: strategic every quarter — Q2 2026 = 04-01 … 06-30
    (customer(tier="strategic", is_member=True), D(2026, 5, 20),
     [("onsite", "onsite:2026-2", D(2026, 4, 1), D(2026, 6, 30), "supervisor")]),
    # 000 第6条1: major twice a year — H1 2026 starts on 元旦 → Sun 01-04 (调休)
    (customer(tier="major", is_member=True), D(2026, 2, 10),
     [("onsite", "onsite:2026-1", D(2026, 1, 4), D(2026, 6, 30), "supervisor")]),
    (customer(tier="major", is_member=True), D(2025, 10, 5),
     [("onsite", "onsite:2025-2", D(2025, 7, 1), D(2025, 12, 31), "supervisor")]),
]


@pytest.mark.parametrize("cust, today, expected", CUSTOMER_CASES)
def test_for_customer(cust, today, expected, policy, cal):
    assert brief(for_customer(cust, policy, cal, today)) == expected


def cb(kind="completion", at=T(2025, 10, 10, 16), res=5, att=5, neg=False, onsite=False,
       ref="wo:SX202510001", number="HF202510001"):
    return CompletedCallback(number, 1, kind, ref, at, res, att, neg, onsite)


AFTER_CASES = [
    # SPEC §3 low_score; 003 四 (<3 分, 24小时内): Fri 16:00 → Sat 10-11 is a 调休 day
    (cb(res=2), customer(), [("low_score", "cb:HF202510001", D(2025, 10, 10), D(2025, 10, 11), "followup")]),
    # 003 四: deadline Sat 10-18 16:00 is a rest day → deadline_on moves back to Fri 10-17
    (cb(at=T(2025, 10, 17, 16), att=1), customer(),
     [("low_score", "cb:HF202510001", D(2025, 10, 17), D(2025, 10, 17), "followup")]),
    # 003 四: negative feedback alone is enough
    (cb(neg=True), customer(), [("low_score", "cb:HF202510001", D(2025, 10, 10), D(2025, 10, 11), "followup")]),
    # 003 四: a score of exactly 3, or no score, is not low
    (cb(res=3, att=None), customer(), []),
    # SPEC §3 quarterly; 000 第5条: 07-31 + 3 months = 10-31; +1 month = Sun 11-30 → 11-28
    (cb(kind="first_sale", at=T(2025, 7, 31, 10), ref="sale:HT-1"), customer(),
     [("quarterly", "cb:HF202510001", D(2025, 10, 31), D(2025, 11, 28), "agent")]),
    # 000 第5条: 07-05 + 3 = 10-05 (国庆) → 10-09; deadline from due_on: 11-09 (Sun) → 11-07
    (cb(kind="quarterly", at=T(2025, 7, 5, 10), ref="cb:HF202504001"), customer(),
     [("quarterly", "cb:HF202510001", D(2025, 10, 9), D(2025, 11, 7), "agent")]),
    # SPEC §3 onsite when needed; 000 第6条2, 第8条: next working day, 10 working days
    (cb(at=T(2025, 9, 30, 11), onsite=True), customer(),
     [("onsite", "cb:HF202510001", D(2025, 10, 9), D(2025, 10, 21), "supervisor")]),
    # 000 第6条1: the next strategic quarter after onsite:2026-2
    (cb(kind="onsite", at=T(2026, 5, 6, 10), ref="onsite:2026-2"), customer(tier="strategic"),
     [("onsite", "onsite:2026-3", D(2026, 7, 1), D(2026, 9, 30), "supervisor")]),
    # 000 第6条1: the next major half-year after onsite:2026-2 is 2027-1 (estimated year)
    (cb(kind="onsite", at=T(2026, 9, 1, 10), ref="onsite:2026-2"), customer(tier="major"),
     [("onsite", "onsite:2027-1", D(2027, 1, 1), D(2027, 6, 30), "supervisor")]),
    # an on-site visit made for a phone problem (cb:…) does not start a cycle
    (cb(kind="onsite", ref="cb:HF202509001"), customer(tier="major"), []),
    # SPEC §3 nm_inactive chain; 001 三(一)2: 10-09 + 6 months = 2026-04-09; 05-09 is a 调休 Saturday
    (cb(kind="nm_inactive", at=T(2025, 10, 9, 10), ref="inactive:2025-04-01"), customer(),
     [("nm_inactive", "cb:HF202510001", D(2026, 4, 9), D(2026, 5, 9), "agent")]),
    (cb(kind="nm_inactive", at=T(2025, 10, 9, 10), ref="inactive:2025-04-01"), customer(is_member=True), []),
    # a plain completion callback with good scores needs nothing further
    (cb(), customer(), []),
]


@pytest.mark.parametrize("done, cust, expected", AFTER_CASES)
def test_after_completion(done, cust, expected, policy, cal):
    assert brief(after_completion(done, cust, policy, cal)) == expected


def test_low_score_deadline_is_24_hours_and_first_in_priority(policy, cal):
    # 003 四: 由专人24小时内联系沟通
    (plan,) = after_completion(cb(res=1), customer(), policy, cal)
    assert plan.deadline_at == T(2025, 10, 11, 16) and plan.priority == 0
    assert plan.key == (1, "low_score", "cb:HF202510001")


def test_estimated_flag(policy, cal):
    (plan,) = after_completion(cb(kind="onsite", ref="onsite:2026-2"), customer(tier="major"), policy, cal)
    assert plan.estimated
    (plan,) = for_sale(SaleFact(1, "HT-1", 1, D(2025, 3, 3)), customer(), policy, cal)
    assert not plan.estimated


ANNUAL_CASES = [
    # SPEC §3 annual_visit; 000 二.3, §4.10: planned Sun 03-15 → Mon 03-16; default deadline +1 month
    ("key", D(2026, 3, 15), 1, [("annual_visit", "annual:2026-1", D(2026, 3, 16), D(2026, 4, 15), "sales_manager")]),
    ("strategic", D(2026, 9, 1), 2, [("annual_visit", "annual:2026-2", D(2026, 9, 1), D(2026, 9, 30), "sales_manager")]),
    ("standard", D(2026, 3, 16), 1, []),  # 000 §4.10: 重要客户 only
]


@pytest.mark.parametrize("tier, planned, n, expected", ANNUAL_CASES)
def test_annual_visit(tier, planned, n, expected, policy, cal):
    assert brief(annual_visit(customer(tier=tier), planned, n, policy, cal)) == expected


def test_annual_visit_limits(policy, cal):
    with pytest.raises(ValueError):  # 000 §4.10: 每年1-2次
        annual_visit(customer(tier="key"), D(2026, 3, 16), 3, policy, cal)
    (plan,) = annual_visit(customer(tier="key"), D(2026, 3, 16), 1, policy, cal, deadline_on=D(2026, 3, 20))
    assert plan.deadline_on == D(2026, 3, 20)


def test_new_only_drops_existing_and_repeated_keys(policy, cal):
    fact = wo(actual=T(2025, 9, 30, 15))
    twice = for_work_order(fact, customer(), policy, cal, T(2025, 10, 1)) * 2
    fresh = new_only(twice, set())
    assert [p.kind for p in fresh] == ["completion", "usage"]
    assert new_only(twice, {p.key for p in fresh}) == []


# SPEC §7: a chain continues past a lapsed, refused or unreachable link, from its deadline.
CLOSING_CASES = [
    # quarterly (000 第5条): deadline 2025-10-10 + 3 months = 2026-01-10 (Sat) → Mon 01-12
    ("quarterly", "cb:HF202507001", customer(is_member=True),
     [("quarterly", "cb:HF202510001", D(2026, 1, 12), D(2026, 2, 12), "agent")]),
    ("first_sale", "sale:HT001", customer(is_member=True),
     [("quarterly", "cb:HF202510001", D(2026, 1, 12), D(2026, 2, 12), "agent")]),
    # on-site cycle of a strategic customer: the next quarter
    ("onsite", "onsite:2025-4", customer(tier="strategic", is_member=True),
     [("onsite", "onsite:2026-1", D(2026, 1, 4), D(2026, 3, 31), "supervisor")]),
    # links outside a chain end there; no low-score or on-site follow-up (nothing was said)
    ("completion", "wo:SX1", customer(is_member=True), []),
    ("low_score", "cb:HF1", customer(is_member=True), []),
]


@pytest.mark.parametrize("kind, ref, cust, expected", CLOSING_CASES)
def test_after_closing(kind, ref, cust, expected, policy, cal):
    plans = after_closing("HF202510001", cust.id, kind, ref, D(2025, 10, 10), cust, policy, cal)
    assert brief(plans) == expected
