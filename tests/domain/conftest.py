"""Shared fixtures for the domain tests."""

from datetime import date

import pytest

from huifang_tui.domain.calendar import WorkCalendar
from huifang_tui.domain.facts import CustomerFact
from huifang_tui.domain.policy import Policy


@pytest.fixture(scope="session")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy()


def customer(id: int = 1, tier: str = "standard", is_member: bool = False,
             registered_on: date | None = None, last_activity_on: date | None = None) -> CustomerFact:
    return CustomerFact(id=id, name=f"客户{id}", tier=tier, is_member=is_member, agent="li",
                        registered_on=registered_on, last_activity_on=last_activity_on)
