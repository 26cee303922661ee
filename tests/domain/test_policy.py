"""Policy defaults and loading: SPEC §3 ("Parameters live in data/policy.toml")."""

import tomllib
from pathlib import Path

import pytest

from huifang_tui.domain.policy import KINDS, IssueRule, Policy, PolicyError, Span

POLICY_TOML = Path(__file__).resolve().parents[2] / "data" / "policy.toml"


def test_policy_toml_equals_defaults():
    # SPEC §3: data/policy.toml holds every default with its seed reference
    with POLICY_TOML.open("rb") as f:
        assert Policy.from_mapping(tomllib.load(f)) == Policy()


def test_policy_toml_has_a_seed_comment_on_every_value():
    # every key line before [priority] (whose header comment cites 003 四 / 000 §4.11) has one
    lines = POLICY_TOML.read_text(encoding="utf-8").split("[priority]")[0].splitlines()
    values = [ln for ln in lines if "=" in ln and not ln.lstrip().startswith("#")]
    assert values and all("#" in ln for ln in values)


def test_defaults_match_spec():
    p = Policy()
    assert (p.completion_deadline_wd, p.usage_due_months, p.usage_deadline_months) == (3, 2, 3)
    assert dict(p.onsite_cycle_months) == {"major": 6, "strategic": 3}
    assert p.issue_rules["low"] == IssueRule(Span(3, "wd"), Span(5, "wd"), Span(7, "d"))
    assert p.priority_of("low_score") == 0 and p.summary_due_day == 2 and p.max_attempts == 3
    assert hash(p) == hash(Policy()) and set(p.kind_priority) == set(KINDS)


def test_missing_keys_keep_defaults_and_partial_tables_merge():
    p = Policy.from_mapping({"completion": {"deadline_wd": 5}, "onsite": {"cycle_months": {"major": 4}},
                             "priority": {"usage": 9}, "issue": {"low": {"update": "14d"}}})
    assert p.completion_deadline_wd == 5 and p.first_sale_deadline_months == 1
    assert dict(p.onsite_cycle_months) == {"major": 4, "strategic": 3}
    assert p.priority_of("usage") == 9 and p.priority_of("low_score") == 0
    assert p.issue_rules["low"].update == Span(14, "d") and p.issue_rules["low"].ack == Span(3, "wd")
    assert Policy.from_mapping({}) == Policy()


@pytest.mark.parametrize("data, key", [
    ({"completion": {"deadline_days": 3}}, "completion.deadline_days"),
    ({"bogus": {}}, "bogus"),
    ({"completion": {"deadline_wd": "3"}}, "completion.deadline_wd"),
    ({"completion": {"deadline_wd": True}}, "completion.deadline_wd"),
    ({"completion": {"deadline_wd": 0}}, "completion.deadline_wd"),
    ({"completion": 3}, "completion"),
    ({"usage": {"service_types": ["install", "teleport"]}}, "usage.service_types"),
    ({"onsite": {"cycle_months": {"major": 5}}}, "onsite.cycle_months.major"),
    ({"onsite": {"cycle_months": {"vip": 6}}}, "onsite.cycle_months.vip"),
    ({"priority": {"complaint": 0}}, "priority.complaint"),
    ({"issue": {"critical": {"ack": "1h"}}}, "issue.critical"),
    ({"issue": {"low": {"ack": "3 weeks"}}}, "issue.low.ack"),
    ({"issue": {"low": {"update": "2wd"}}}, "issue.low.update"),
    ({"issue": {"low": {"escalate": "2h"}}}, "issue.low.escalate"),
    ({"summary": {"due_day": 31}}, "summary.due_day"),
])
def test_bad_values_name_the_key(data, key):
    with pytest.raises(PolicyError, match=key.replace(".", r"\.")):
        Policy.from_mapping(data)


def test_policy_error_is_value_error_and_policy_is_frozen():
    assert issubclass(PolicyError, ValueError)
    with pytest.raises(AttributeError):
        Policy().max_attempts = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        Policy().onsite_cycle_months["key"] = 1  # type: ignore[index]
