"""Dates outside 2000-2099 are refused at every door of the command line (issue 13)."""

from __future__ import annotations

import pytest

from huifang_tui import cli
from huifang_tui.services.users import os_login

from factories import add_user


@pytest.fixture
def admin_cli(store, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "admin")
    return store


@pytest.mark.parametrize("argv, shown", [
    (["queue", "--date", "9999-12-31"], "--date：日期 9999-12-31 超出可用范围（2000-01-01 至 2099-12-31）。"),
    (["calendar", "set", "1999-12-31", "holiday"], "DAY：日期 1999-12-31 超出可用范围（2000-01-01 至 2099-12-31）。"),
    (["plan", "--now", "2100-01-01T08:00"], "--now：日期 2100-01-01T08:00:00 超出可用范围（2000-01-01 至 2099-12-31）。"),
    (["visit", "甲公司", "9999-12-31"], "--date：日期 9999-12-31 超出可用范围（2000-01-01 至 2099-12-31）。"),
])
def test_out_of_range_dates_exit_1_with_one_line(admin_cli, capsys, argv, shown):
    assert cli.main(argv) == 1
    assert capsys.readouterr().err.strip() == shown


def test_calendar_service_refuses_out_of_range_day(admin_cli):
    from datetime import date

    from huifang_tui.services.base import Actor, ServiceError
    from huifang_tui.services.calendar import set_day

    with pytest.raises(ServiceError, match="9999-12-31"):
        set_day(admin_cli, Actor(os_login(), "admin", "x"), date(9999, 12, 31), False)
