"""Shared fixtures: a fresh store with a fixed clock, and small record factories.

The store is SQLite by default. With ``HUIFANG_TEST_PG_URL`` set (``eval "$(.ci/pg start)"``),
the tests under ``BOTH_BACKENDS`` run twice, ``[sqlite]`` and ``[pg]``; each PostgreSQL test gets
a database of its own, dropped afterwards. ``--backend sqlite|pg`` runs only one of them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from huifang_tui.core.i18n import set_lang
from huifang_tui.services.base import Actor, Store

NOW = datetime(2026, 11, 23, 9, 30)  # a Monday, a working day

PG_URL = os.environ.get("HUIFANG_TEST_PG_URL", "")
TESTS = Path(__file__).parent
# Storage, services, migration and concurrency tests: these run on both back ends.
BOTH_BACKENDS = ("store", "importing", "cli", "pg")


def pytest_addoption(parser):
    parser.addoption("--backend", choices=("sqlite", "pg", "both"), default="both",
                     help="which database the two-backend tests use (pg needs HUIFANG_TEST_PG_URL)")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: SQLite behaviour (PRAGMAs, the fast first paint); not run on PostgreSQL")
    config.addinivalue_line("markers", "both_backends: run on PostgreSQL too, outside the BOTH_BACKENDS folders")
    # also known without pytest-xdist (ONE_WORKER_* below)
    config.addinivalue_line("markers", "xdist_group(name): run on the same parallel worker as the group's other tests")


# ``make test`` runs the tests on parallel workers (pytest-xdist, ``--dist loadgroup``): one test
# at a time to whichever worker is free, except these, each group kept on one worker. The
# shared-install tests create OS users and groups (useradd locks /etc/passwd) and build one
# install per worker; the modules listed build a module fixture that costs seconds (a venv, the
# demo centre), built once instead of once per worker.
ONE_WORKER_FOLDERS = {"shared": "os-users"}
ONE_WORKER_MODULES = ("cli/test_hostile_paths.py", "store/test_fastread.py", "store/test_start_path.py",
                      "test_demo.py")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.path)
        if not path.is_relative_to(TESTS):
            continue
        rel = path.relative_to(TESTS)
        group = ONE_WORKER_FOLDERS.get(rel.parts[0]) if len(rel.parts) > 1 else None
        if group is None and rel.as_posix() in ONE_WORKER_MODULES:
            group = rel.as_posix()
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def _backends(config, path: Path, marked: bool = False) -> list[str]:
    rel = path.relative_to(TESTS).parts if path.is_relative_to(TESTS) else ()
    if not marked and (not rel or rel[0] not in BOTH_BACKENDS):
        return ["sqlite"]
    choice = config.getoption("--backend")
    wanted = ["sqlite", "pg"] if choice == "both" else [choice]
    if not PG_URL:
        wanted = [b for b in wanted if b != "pg"]
        if not wanted:
            raise pytest.UsageError("--backend pg needs HUIFANG_TEST_PG_URL (eval \"$(.ci/pg start)\")")
    return wanted


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    backends = _backends(metafunc.config, Path(metafunc.definition.path),
                         bool(metafunc.definition.get_closest_marker("both_backends")))
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = [b for b in backends if b == "sqlite"] or ["sqlite"]
    # Without PostgreSQL the test ids stay as they were (no [sqlite] suffix).
    if backends != ["sqlite"]:
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


def pg_admin_engine():
    """AUTOCOMMIT engine on the test server's maintenance database (CREATE/DROP DATABASE)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_pg_database(prefix: str = "t") -> str:
    """A new empty database on the test server; returns its URL (password included)."""
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    eng = pg_admin_engine()
    with eng.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    eng.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    eng = pg_admin_engine()
    with eng.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    eng.dispose()


@pytest.fixture
def pg_url():
    """A fresh empty PostgreSQL database for PostgreSQL-only tests (skipped without a server)."""
    if not PG_URL:
        pytest.skip("no PostgreSQL: set HUIFANG_TEST_PG_URL (eval \"$(.ci/pg start)\")")
    url = create_pg_database()
    yield url
    drop_pg_database(url)


_template: list[str] = []


def _pg_template() -> str:
    """A database with the current schema, built once per run; each test's store is a copy."""
    if not _template:
        from huifang_tui.store import db

        url = create_pg_database("tmpl")
        st = Store(url, clock=lambda: NOW)
        st.ensure_schema()
        db.dispose(st.engine)
        _template.append(url)
    return _template[0]


def pytest_sessionfinish(session, exitstatus):
    if _template:
        drop_pg_database(_template.pop())


def copy_pg_database(template_url: str) -> str:
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    eng = pg_admin_engine()
    with eng.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template_url).database}" STRATEGY file_copy')
    eng.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def db_url(backend, tmp_path):
    """An empty database of the test's back end."""
    if backend == "sqlite":
        yield "sqlite:///" + str(tmp_path / "huifang.db")
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(autouse=True)
def _zh_catalog():
    set_lang("zh_CN")
    yield
    set_lang("zh_CN")


@pytest.fixture(autouse=True)
def _roomy_disk(monkeypatch):
    """The board's disk alert reads this machine's free space; a CI machine low on disk must not
    change every board snapshot. The disk-alert tests set their own reading."""
    from types import SimpleNamespace

    from huifang_tui.services import alerts

    monkeypatch.setattr(alerts, "statvfs", lambda _path: SimpleNamespace(
        f_bavail=500 * 1024**2, f_blocks=1000 * 1024**2, f_frsize=1024))


@pytest.fixture(autouse=True)
def _no_system_config(tmp_path_factory, monkeypatch):
    """Tests never read or write this machine's /etc/huifang/config.toml (a shared install)."""
    from huifang_tui.core import system

    monkeypatch.setattr(system, "DEFAULT_CONFIG", tmp_path_factory.mktemp("etc") / "huifang" / "config.toml")
    yield
    system.unlock_for_tests()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """An empty SQLite database with the schema, made once per run (per worker under ``-n``);
    each test's store is a copy of it: creating the schema costs more than most tests."""
    from huifang_tui.store import db

    path = tmp_path_factory.mktemp("template") / "huifang.db"
    st = Store("sqlite:///" + str(path), clock=lambda: NOW)
    st.ensure_schema()
    db.dispose(st.engine)  # the last connection closing checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture
def store(backend, tmp_path, request) -> Store:
    """A fresh database with the schema: a copy of a template built once per run (SQLite: a file
    copied into ``tmp_path``; PostgreSQL: ``CREATE DATABASE … TEMPLATE``)."""
    from huifang_tui.store import db

    if backend == "sqlite":
        path = tmp_path / "huifang.db"
        shutil.copy2(request.getfixturevalue("_sqlite_template"), path)
        url = "sqlite:///" + str(path)
    else:
        url = copy_pg_database(_pg_template())
    st = Store(url, clock=lambda: NOW)
    st.ensure_schema()
    yield st
    db.dispose(st.engine)
    if backend != "sqlite":
        drop_pg_database(url)


@pytest.fixture
def admin(store) -> Actor:
    """An admin user of the test store (services check the acting user in every transaction)."""
    from huifang_tui.store.models import User

    with store.write() as s:
        s.add(User(login="admin1", name="管理员", role="admin", created_at=NOW))
    return Actor("admin1", "admin", "管理员")
