"""The shared install: ``/etc/huifang/config.toml`` and the elevated process (issue 14).

On a shared install the store lives in a directory owned by a group no person is in
(``huifang-db``). ``huifang`` run by a person whose store is not readable re-runs itself as
``sudo -n -g huifang-db <venv>/bin/python -I -m huifang_tui …``: same uid (identity cannot
be forged), the store's group added. That elevated process is *locked*: it trusts nothing
from the caller. It reads only the root-owned system config (store path, timezone), ignores
``--db``, ``HUIFANG_DATABASE_URL``, the user's config and caches, sets ``TZ`` from the config,
is not dumpable and writes no core file, and runs with umask 007.

Only the standard library here (start-up speed). ``tomllib`` is imported when a config exists.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG = Path("/etc/huifang/config.toml")
DEFAULT_PREFIX = Path("/opt/huifang")
DEFAULT_STORE_GROUP = "huifang-db"
DEFAULT_SERVICE_USER = "huifang-svc"
SUDO = "/usr/bin/sudo"
# Tests only: a root-owned file of this name in the interpreter's own prefix (a root-owned
# venv) names another system config. Nothing the caller sets reaches it: the prefix comes
# from the executable's path, which the sudoers rule fixes, and ``-I`` drops PYTHONHOME.
TEST_POINTER = "huifang-test-system-config"


class SystemConfigError(Exception):
    """The system config exists but cannot be trusted or read.

    It carries a catalog key and its placeholders (``key``, ``params``); the caller words it
    with ``i18n.t(e.key, **e.params)`` — i18n reads the locked-process flag from here, so this
    module does not import it back."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class SystemConfig:
    path: Path
    database: Path
    store_group: str
    agents_group: str
    python: Path
    timezone: str = ""
    service_user: str = DEFAULT_SERVICE_USER

    def service_uid(self) -> int | None:
        import pwd

        try:
            return pwd.getpwnam(self.service_user).pw_uid
        except KeyError:
            return None

    @property
    def store_dir(self) -> Path:
        return self.database.parent

    def store_gid(self) -> int | None:
        import grp

        try:
            return grp.getgrnam(self.store_group).gr_gid
        except KeyError:
            return None


def config_path() -> Path:
    pointer = Path(sys.prefix) / TEST_POINTER
    try:
        st = os.lstat(pointer)
    except OSError:
        return DEFAULT_CONFIG
    if stat.S_ISREG(st.st_mode) and st.st_uid == 0 and not st.st_mode & 0o022:
        text = pointer.read_text(encoding="utf-8").strip()
        if text.startswith("/"):
            return Path(text)
    return DEFAULT_CONFIG


def root_owned(path: Path) -> bool:
    """Owned by root and writable by no one else, and so is every directory above it."""
    p = path
    while True:
        try:
            st = os.lstat(p)
        except OSError:
            return False
        if stat.S_ISLNK(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
            # a sticky world-writable dir (/tmp) is fine as an ancestor: no one else may rename in it
            if not (p != path and stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and st.st_mode & stat.S_ISVTX):
                return False
        if p.parent == p:
            return True
        p = p.parent


def load(path: Path | None = None) -> SystemConfig | None:
    """The system config, or None when this machine has no shared install."""
    path = path or config_path()
    try:
        if not path.exists():
            return None
    except OSError as e:  # /etc/huifang closed to this person: not a config they may rely on
        raise SystemConfigError("shared.err.config_bad", path=path, error=e.strerror or e) from None

    if not root_owned(path):
        raise SystemConfigError("shared.err.config_unsafe", path=path)
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SystemConfigError("shared.err.config_bad", path=path, error=e) from e
    db = str(data.get("database") or "")
    if not db.startswith("/"):
        raise SystemConfigError("shared.err.config_field", path=path, field="database")
    agents = str(data.get("agents_group") or "")
    if not agents:
        raise SystemConfigError("shared.err.config_field", path=path, field="agents_group")
    return SystemConfig(
        path=path,
        database=Path(db),
        store_group=str(data.get("store_group") or DEFAULT_STORE_GROUP),
        agents_group=agents,
        python=Path(str(data.get("python") or DEFAULT_PREFIX / "venv" / "bin" / "python")),
        timezone=str(data.get("timezone") or ""),
        service_user=str(data.get("service_user") or DEFAULT_SERVICE_USER),
    )


# -- the locked (elevated) process ----------------------------------------------------------

_locked: SystemConfig | None = None
_via_main = False
_broker_fd: int | None = None


def enter_main() -> None:
    """``python -m huifang_tui`` (the sudo entry): harden first, and never read the user's
    caches in this process, even before it knows whether it is locked. The first stage's
    channel (``--broker-fd N``, first) is taken off the arguments here."""
    global _via_main, _broker_fd
    _via_main = True
    harden_process()
    rest = sys.argv[1:]
    _broker_fd = take_fd_argument(rest)
    sys.argv[1:] = rest


BROKER_ARG = "--broker-fd"


def take_fd_argument(argv: list[str]) -> int | None:
    """``--broker-fd N`` as the first argument (put there by the first stage): removed from
    ``argv``; the number, or None."""
    if len(argv) >= 2 and argv[0] == BROKER_ARG:
        value = argv[1]
        del argv[:2]
        return int(value) if value.isdigit() else None
    return None


def broker_fd() -> int | None:
    """The first stage's channel, as ``--broker-fd`` named it (``broker.attach`` checks it)."""
    return _broker_fd


def via_main() -> bool:
    return _via_main


def distrust_caller() -> bool:
    """True in the elevated process (and in any ``python -m huifang_tui``): no user caches."""
    return _via_main or _locked is not None


def locked() -> SystemConfig | None:
    """The system config when this process is the elevated one, else None."""
    return _locked


def holds_store_group(conf: SystemConfig) -> bool:
    gid = conf.store_gid()
    return gid is not None and gid in (os.getgid(), os.getegid())


def must_lock(conf: SystemConfig | None, via_main: bool) -> bool:
    """Root is never locked. Anyone else is when they hold the store's group, or when started as
    ``python -m huifang_tui`` by sudo (the re-exec; a config that vanished is then refused)."""
    if os.geteuid() == 0:
        return False
    if conf is not None and holds_store_group(conf):
        return True
    return via_main and "SUDO_UID" in os.environ


def harden_process() -> None:
    """No core file and not dumpable: the caller (same uid) cannot read this process's memory
    through /proc or ptrace. Called first thing by ``python -m huifang_tui``."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_DUMPABLE = 4
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def lock(conf: SystemConfig) -> None:
    """Enter the locked mode: everything below reads only ``conf``."""
    global _locked
    harden_process()
    os.umask(0o007)  # WAL/SHM and backups stay in the group
    for var in ("HUIFANG_DATABASE_URL", "HUIFANG_DATA_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                "XDG_DATA_HOME"):
        os.environ.pop(var, None)
    if conf.timezone:
        os.environ["TZ"] = conf.timezone
    else:
        os.environ.pop("TZ", None)  # the machine's /etc/localtime
    import time

    time.tzset()
    # A person may not freeze the store: while this process holds the write lock, job control
    # from the terminal must not stop it (SIGSTOP itself needs the service account's uid).
    import signal

    for sig in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (ValueError, OSError):
            pass
    _locked = conf


def caller_uid() -> int | None:
    """The person's uid as sudo reports it (``SUDO_UID``, which sudo sets itself and the sudoers
    rule does not let the caller choose); None outside sudo."""
    raw = os.environ.get("SUDO_UID", "")
    return int(raw) if raw.isdigit() else None


def acting_uid() -> int:
    """Whose login this process acts for: in the elevated process run under the service account,
    the person sudo names; otherwise this process's own uid."""
    if _locked is not None:
        svc = _locked.service_uid()
        uid = caller_uid()
        if uid is not None and svc is not None and os.geteuid() == svc:
            return uid
    return os.geteuid()


def unlock_for_tests() -> None:
    global _locked
    _locked = None


# -- the caller's side: re-exec through sudo ------------------------------------------------

def is_store_path(conf: SystemConfig, path: Path) -> bool:
    try:
        path = Path(os.path.abspath(path))
    except (OSError, ValueError):
        return False
    return path == conf.database or path.parent == conf.store_dir


def needs_elevation(conf: SystemConfig, db_path: Path | None) -> bool:
    """The person's database is the shared store and they cannot read it themselves."""
    if db_path is None or not is_store_path(conf, db_path):
        return False
    return not os.access(db_path, os.R_OK)


def in_agents_group(conf: SystemConfig) -> bool:
    import grp

    try:
        gid = grp.getgrnam(conf.agents_group).gr_gid
    except KeyError:
        return False
    return gid in os.getgroups() or gid in (os.getgid(), os.getegid())


def elevated_argv(conf: SystemConfig, argv: list[str], fd: int) -> list[str]:
    """The elevated process: the service account with the store's group, keeping descriptor
    ``fd`` (the first stage's channel) open and naming it first."""
    return [SUDO, "-n", "-C", str(fd + 1), "-u", conf.service_user, "-g", conf.store_group,
            str(conf.python), "-I", "-m", "huifang_tui", BROKER_ARG, str(fd), *argv]
