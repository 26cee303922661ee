"""Where the database is: ``--db PATH|URL`` > ``HUIFANG_DATABASE_URL`` > config file >
the shared install's ``/etc/huifang/config.toml`` > default.

The config file is ``<platformdirs user config dir>/huifang/config.toml`` with a line
``database = "/srv/huifang/huifang.db"`` (a path or a SQLAlchemy URL). The elevated process of
a shared install (``system.locked()``) reads only the system config: nothing the caller sets.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "huifang"
SQLITE = "sqlite:///"


def sqlite_url(path: object) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return SQLITE + str(path)


def sqlite_file(url: str) -> str | None:
    """The file a ``sqlite:///`` URL names, or None for any other database."""
    return url[len(SQLITE):] if url.startswith(SQLITE) else None


def config_path() -> Path:
    import platformdirs  # imported on use: start-up speed

    return platformdirs.user_config_path(APP) / "config.toml"


def default_db_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP) / "huifang.db"


def to_url(value: str) -> str:
    """A bare path becomes a SQLite URL; anything with ``://`` is taken as a URL."""
    if "://" in value:
        return value
    return sqlite_url(Path(value).expanduser().resolve())


def resolve_db(cli_value: str | None) -> tuple[str, str]:
    """Return (url, where-it-came-from)."""
    from . import system

    conf = system.locked()
    if conf is not None:
        return sqlite_url(conf.database), str(conf.path)
    if cli_value:
        return to_url(cli_value), "--db"
    env = os.environ.get("HUIFANG_DATABASE_URL")
    if env:
        return to_url(env), "HUIFANG_DATABASE_URL"
    cfg = config_path()
    if cfg.exists():
        import tomllib

        data = tomllib.loads(cfg.read_text(encoding="utf-8"))
        if data.get("database"):
            return to_url(str(data["database"])), str(cfg)
    try:
        shared = system.load()
    except system.SystemConfigError:
        shared = None
    if shared is not None:
        return sqlite_url(shared.database), str(shared.path)
    return to_url(str(default_db_path())), "default"


def display_db(url: str) -> str:
    """Short form for the header: the file name, or the URL without its password."""
    path = sqlite_file(url)
    if path is not None:
        return Path(path).name
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
