"""Credentials and roles on PostgreSQL (issue 15): the app connects as an application role whose
password is read from a file; the schema is made and migrated by an owner role; the application
role cannot rewrite or delete the audit log."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from huifang_tui import cli
from huifang_tui.core.errors import ServiceError
from huifang_tui.services.base import Store
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.store import db, migrate, revision

from conftest import NOW
from factories import add_callback, add_customer, add_user


def _su(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@pytest.fixture
def roles(pg_url, tmp_path):
    """An owner and an application role, the test database owned by the owner, password files."""
    tag = uuid.uuid4().hex[:8]
    owner, app = f"huifang_owner_{tag}", f"huifang_app_{tag}"
    pw = {owner: uuid.uuid4().hex, app: uuid.uuid4().hex}
    name = make_url(pg_url).database
    su = _su(pg_url)
    with su.connect() as c:
        for role in (owner, app):
            c.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD '{pw[role]}'")
        c.exec_driver_sql(f'ALTER DATABASE "{name}" OWNER TO {owner}')
        c.exec_driver_sql(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
        c.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{name}" TO {app}')
        c.exec_driver_sql(f"ALTER SCHEMA public OWNER TO {owner}")
        c.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    files = {}
    for role, mode in ((app, 0o640), (owner, 0o600)):
        f = tmp_path / f"{role}.password"
        f.write_text(pw[role] + "\n")
        os.chmod(f, mode)
        files[role] = f
    base = make_url(pg_url).set(username=app)._replace(password=None)
    url = base.update_query_dict({"password_file": str(files[app]), "owner": owner,
                                  "owner_password_file": str(files[owner])}).render_as_string(hide_password=False)
    yield {"url": url, "owner": owner, "app": app, "files": files}
    from conftest import drop_pg_database, pg_admin_engine

    su.dispose()
    drop_pg_database(pg_url)  # before its owner role goes
    su = pg_admin_engine()
    with su.connect() as c:
        for role in (app, owner):
            c.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
    su.dispose()


def test_no_password_in_the_url_the_app_reads_it_from_the_file(roles):
    assert make_url(roles["url"]).password is None
    st = Store(roles["url"], clock=lambda: NOW)
    try:
        st.ensure_schema()
        with st.engine.connect() as c:
            assert c.execute(text("SELECT current_user")).scalar() == roles["app"]
    finally:
        db.dispose(st.engine)


def test_owner_makes_the_schema_and_the_app_role_works_but_cannot_rewrite_the_audit(roles):
    st = Store(roles["url"], clock=lambda: NOW)
    try:
        st.ensure_schema()
        with st.engine.connect() as c:
            owners = set(c.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert owners == {roles["owner"]}
        # The services work as the application role, audit rows included.
        agent = add_user(st, "agent1")
        add_callback(st, add_customer(st, "甲公司"), "HF202611001")
        record_attempt(st, agent, "HF202611001", CallRecord(outcome="no_answer"))
        for stmt in ("DELETE FROM audit_entry", "UPDATE audit_entry SET login = 'someone'",
                     "TRUNCATE audit_entry", "DROP TABLE audit_entry", "CREATE TABLE mine (x int)",
                     "UPDATE alembic_version SET version_num = 'x'"):
            with st.engine.connect() as c, pytest.raises(ProgrammingError, match="permission denied|must be owner"):
                c.execute(text(stmt))
        with st.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM audit_entry")).scalar() > 0
    finally:
        db.dispose(st.engine)


def test_upgrade_runs_as_the_owner_and_keeps_the_app_roles_rights(roles):
    from huifang_tui.services import maintenance
    from huifang_tui.services.base import Actor
    from huifang_tui.store import pgroles

    owner = db.make_engine(roles["url"], as_owner=True)
    with owner.begin() as conn:  # a database made by an older version
        migrate.upgrade(conn, revision.REVISIONS[0])
        pgroles.grant_app_role(conn, roles["app"])
        conn.execute(text("INSERT INTO app_user (login, name, role, active, created_at)"
                          " VALUES ('root', 'root', 'admin', true, :at)"), {"at": NOW})
    owner.dispose()
    st = Store(roles["url"], clock=lambda: NOW)
    try:
        assert st.schema_state() == revision.BEHIND
        rep = maintenance.upgrade(st, Actor("root", "admin", "root"))
        assert rep.after == revision.HEAD and st.schema_state() == revision.CURRENT
        add_callback(st, add_customer(st, "乙公司"), "HF202611001")  # the app still writes
        with st.engine.connect() as c, pytest.raises(ProgrammingError, match="permission denied"):
            c.execute(text("DELETE FROM audit_entry"))
    finally:
        db.dispose(st.engine)


def test_an_unreadable_password_file_is_one_plain_error(roles):
    os.unlink(roles["files"][roles["app"]])
    with pytest.raises(ServiceError, match="密码文件"):
        Store(roles["url"], clock=lambda: NOW)


DOC = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "POSTGRES.md"


def _doc_block(lang: str) -> str:
    import re

    return re.search(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)


def test_the_documented_setup_works(tmp_path, capsys):
    """docs/POSTGRES.md's SQL, password files and URL, followed as written (names made unique):
    `huifang init` makes the schema as the owner; the app role works and cannot delete audit rows."""
    import re

    from conftest import PG_URL, drop_pg_database, pg_admin_engine

    if not PG_URL:
        pytest.skip("no PostgreSQL: set HUIFANG_TEST_PG_URL")
    tag = uuid.uuid4().hex[:8]
    names = {"huifang_owner": f"huifang_owner_{tag}", "huifang_app": f"huifang_app_{tag}"}
    dbname = f"doc_{tag}"
    pw = {r: uuid.uuid4().hex for r in names.values()}
    sql = _doc_block("sql")
    for old, new in names.items():
        sql = sql.replace(old, new)
    sql = re.sub(r"\bhuifang\b", dbname, sql)
    admin = pg_admin_engine()
    conn = admin.connect()
    try:
        for line in filter(None, (x.strip() for x in sql.splitlines())):
            if line.startswith("\\password "):
                role = line.split()[1]
                conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD '{pw[role]}'")
            elif line.startswith("\\connect "):
                conn.close()
                conn = _su(make_url(PG_URL).set(database=line.split()[1])).connect()
            else:
                conn.exec_driver_sql(line.rstrip(";"))
        conn.close()
        toml = _doc_block("toml").strip()
        url = toml.split('"')[1]
        for old, new in names.items():
            url = url.replace(old, new)
        files = {}
        for role, fname in ((names["huifang_app"], "pg-app.password"), (names["huifang_owner"], "pg-owner.password")):
            f = tmp_path / fname
            f.write_text(pw[role] + "\n")
            f.chmod(0o600)
            files[fname] = f
        url = url.replace("/etc/huifang/pg-app.password", str(files["pg-app.password"]))
        url = url.replace("/etc/huifang/pg-owner.password", str(files["pg-owner.password"]))
        server = make_url(PG_URL)
        url = url.replace("@db.example/huifang?", f"@{server.host}:{server.port}/{dbname}?")
        assert cli.main(["--db", url, "init"]) == 0, capsys.readouterr().err
        st = Store(url, clock=lambda: NOW)
        try:
            add_callback(st, add_customer(st, "甲公司"), "HF202611001")
            with st.engine.connect() as c:
                assert c.execute(text("SELECT current_user")).scalar() == names["huifang_app"]
                with pytest.raises(ProgrammingError, match="permission denied"):
                    c.execute(text("DELETE FROM audit_entry"))
        finally:
            db.dispose(st.engine)
    finally:
        conn.close()
        drop_pg_database(make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False))
        with admin.connect() as c:
            for role in names.values():
                c.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


def test_the_app_role_itself_carries_the_lock_and_idle_timeouts(roles):
    """Issue 21: any client logged in as the application role (a stuck terminal, a psql left
    open inside a transaction) is cut off, not only this app's own connections."""
    st = Store(roles["url"], clock=lambda: NOW)
    try:
        st.ensure_schema()
        with st.engine.connect() as c:
            rows = c.execute(text(
                "SELECT unnest(setconfig) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                "WHERE r.rolname = :r AND s.setdatabase = 0"), {"r": roles["app"]}).scalars().all()
            assert c.execute(text("SHOW lock_timeout")).scalar() == "30s"
    finally:
        db.dispose(st.engine)
    assert f"lock_timeout={db.LOCK_TIMEOUT_MS}" in rows
    assert f"idle_in_transaction_session_timeout={db.IDLE_IN_TX_TIMEOUT_MS}" in rows
