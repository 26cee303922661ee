"""Shared fixtures: a fresh SQLite store with a fixed clock, and small record factories."""

from __future__ import annotations

from datetime import datetime

import pytest

from huifang_tui.i18n import set_lang
from huifang_tui.services.base import Actor, Store

NOW = datetime(2026, 11, 23, 9, 30)  # a Monday, a working day


@pytest.fixture(autouse=True)
def _zh_catalog():
    set_lang("zh_CN")
    yield
    set_lang("zh_CN")


@pytest.fixture(autouse=True)
def _no_system_config(tmp_path_factory, monkeypatch):
    """Tests never read or write this machine's /etc/huifang/config.toml (a shared install)."""
    from huifang_tui import system

    monkeypatch.setattr(system, "DEFAULT_CONFIG", tmp_path_factory.mktemp("etc") / "huifang" / "config.toml")
    yield
    system.unlock_for_tests()


@pytest.fixture
def store(tmp_path) -> Store:
    st = Store("sqlite:///" + str(tmp_path / "huifang.db"), clock=lambda: NOW)
    st.ensure_schema()
    return st


@pytest.fixture
def admin(store) -> Actor:
    """An admin user of the test store (services check the acting user in every transaction)."""
    from huifang_tui.store.models import User

    with store.write() as s:
        s.add(User(login="admin1", name="管理员", role="admin", created_at=NOW))
    return Actor("admin1", "admin", "管理员")
