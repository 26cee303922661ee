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


@pytest.fixture
def store(tmp_path) -> Store:
    st = Store("sqlite:///" + str(tmp_path / "huifang.db"), clock=lambda: NOW)
    st.ensure_schema()
    return st


@pytest.fixture
def admin() -> Actor:
    return Actor("admin1", "admin", "管理员")
