"""Elevation for the shared install (issues 14, 21): at the start of every run, lock the
elevated process (``prepare``), refuse what it may not choose (``check_locked``), and run a
person whose database is the shared store they cannot read through sudo (``maybe_elevate``,
served by ``first_stage``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..core import config
from ..core import system
from ..core.i18n import t

EXIT_REFUSED = 2
NO_ELEVATION = ("demo", "init")


def prepare() -> int | None:
    """Lock this process if it is the elevated one. Returns an exit status to stop with."""
    try:
        conf = system.load()
    except system.SystemConfigError as e:
        print(t(e.key, **e.params), file=sys.stderr)
        return EXIT_REFUSED
    if not system.must_lock(conf, system.via_main()):
        return None
    if conf is None:
        print(t("shared.err.no_config", path=system.config_path()), file=sys.stderr)
        return EXIT_REFUSED
    system.lock(conf)
    from ..core import broker

    broker.attach(system.broker_fd(), system.caller_uid())  # the first stage's channel, if any
    return None


def check_locked(args) -> int | None:  # noqa: ANN001
    """In the elevated process: what the caller may not choose."""
    conf = system.locked()
    if conf is None:
        return None
    cmd = args.cmd or "run"
    if cmd in NO_ELEVATION:
        print(t("shared.err.not_here", cmd=cmd), file=sys.stderr)
        return EXIT_REFUSED
    if args.as_login:
        from ..core.identity import os_login

        if args.as_login != os_login():
            print(t("err.as_not_demo"), file=sys.stderr)
            return EXIT_REFUSED
    if args.db and config.to_url(args.db) != config.sqlite_url(conf.database):
        print(t("shared.db_ignored", db=conf.database), file=sys.stderr)
    args.db = None
    return None


def maybe_elevate(args, argv: list[str]) -> int | None:  # noqa: ANN001
    """Re-run through sudo when this person's database is the shared store they cannot read."""
    if system.locked() is not None or os.geteuid() == 0:
        return None
    try:
        conf = system.load()
    except system.SystemConfigError:
        return None
    if conf is None:
        return None
    url, _src = config.resolve_db(args.db)
    file = config.sqlite_file(url)
    if file is None:
        return None
    path = Path(file)
    if (args.cmd or "run") in NO_ELEVATION:
        if system.is_store_path(conf, path):  # the shared store is made and kept by root
            print(t("shared.err.not_here", cmd=args.cmd), file=sys.stderr)
            return EXIT_REFUSED
        return None
    if not system.needs_elevation(conf, path):
        return None
    if not system.in_agents_group(conf):
        from ..core.identity import os_login

        print(t("shared.err.not_agent", login=os_login(), group=conf.agents_group), file=sys.stderr)
        return EXIT_REFUSED
    if not os.access(system.SUDO, os.X_OK):
        print(t("shared.err.no_sudo", sudo=system.SUDO), file=sys.stderr)
        return EXIT_REFUSED
    if conf.service_uid() is None:
        print(t("broker.service_missing", user=conf.service_user, dir=conf.store_dir, group=conf.agents_group),
              file=sys.stderr)
        return EXIT_REFUSED
    from .first_stage import run_elevated

    return run_elevated(lambda fd: system.elevated_argv(conf, argv, fd))
