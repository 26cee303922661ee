"""PostgreSQL credentials and roles (issue 15).

The database URL may name files instead of carrying passwords, so that no password sits in an
agent's environment or in a world-readable config::

    postgresql+psycopg://huifang_app@db.local/huifang
        ?password_file=/etc/huifang/pg-app.password            (0640 root:<store group>)
        &owner=huifang_owner
        &owner_password_file=/etc/huifang/pg-owner.password    (0600 root)

The app connects as the URL's user (the application role). Creating the schema (a new
database, ``huifang init``) and migrations (``huifang db upgrade``, root) connect as ``owner``.
The application role may read and write the tables but only read and append to the audit
table: ``app_grants`` is applied by the owner after every schema change.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, Connection, make_url

from ..core.errors import ServiceError

OUR_PARAMS = ("password_file", "owner", "owner_password_file")
APPEND_ONLY = ("audit_entry",)  # the app role may not UPDATE, DELETE or TRUNCATE these
READ_ONLY = ("alembic_version", "schema_version")  # the schema's own bookkeeping


def _read_password(path: str) -> str:
    from ..core.i18n import t

    try:
        text = Path(path).read_text(encoding="utf-8")
    except PermissionError as e:
        raise ServiceError(t("pg.password_file_denied", file=path)) from e
    except OSError as e:
        raise ServiceError(t("pg.password_file_missing", file=path, error=e.strerror or e)) from e
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ServiceError(t("pg.password_file_empty", file=path))
    return lines[0].strip()


def _strip(u: URL) -> URL:
    return u.difference_update_query(OUR_PARAMS)


def connect_url(url: str | URL) -> URL:
    """The URL to connect with as the application: its password read from ``password_file``."""
    u = make_url(url)
    pw_file = u.query.get("password_file")
    out = _strip(u)
    if pw_file:
        out = out.set(password=_read_password(str(pw_file)))
    return out


def owner_url(url: str | URL) -> URL | None:
    """The URL to create or migrate the schema with, when the URL names an owner role."""
    u = make_url(url)
    owner = u.query.get("owner")
    if not owner:
        return None
    out = _strip(u).set(username=str(owner))._replace(password=None)
    pw_file = u.query.get("owner_password_file")
    if pw_file:
        out = out.set(password=_read_password(str(pw_file)))
    return out


def app_role(url: str | URL) -> str:
    return make_url(url).username or ""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def app_grants(role: str) -> list[str]:
    """What the owner grants the application role (idempotent; run after each schema change)."""
    r = _q(role)
    out = [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
    ]
    out += [f"REVOKE UPDATE, DELETE, TRUNCATE ON {_q(t)} FROM {r}" for t in APPEND_ONLY]
    out += [f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {_q(t)} FROM {r}" for t in READ_ONLY]
    return out


def grant_app_role(conn: Connection, role: str, settings: dict[str, int] | None = None) -> None:
    """Apply ``app_grants`` on this (owner's) connection, inside its transaction; with
    ``settings``, also as the role's defaults where the owner may (``role_defaults``)."""
    if conn.dialect.name != "postgresql" or not role or role == conn.exec_driver_sql("SELECT current_user").scalar():
        return
    for stmt in app_grants(role):
        conn.exec_driver_sql(stmt)
    if settings:
        role_defaults(conn, settings, role)


def role_defaults(conn: Connection, settings: dict[str, int], role: str | None = None) -> bool:
    """The application role's own defaults (``db.pg_session_settings``), so that any client
    logged in as it — a stuck terminal, a hand-run psql — is cut off too. Needs the right to
    alter that role (the role itself, CREATEROLE or a superuser); without it, only the app's
    own connections have them. Returns whether they were set."""
    from sqlalchemy.exc import DBAPIError

    target = _q(role) if role else "CURRENT_USER"
    from sqlalchemy import text

    if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = COALESCE(:r, current_user)"),
                    {"r": role}).scalar():
        return False  # a superuser's defaults are the DBA's business, not the app's
    try:
        with conn.begin_nested():
            for name, value in settings.items():
                conn.exec_driver_sql(f"ALTER ROLE {target} SET {name} = {int(value)}")
    except DBAPIError:
        return False
    return True
