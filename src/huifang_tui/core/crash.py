"""Errors in plain words, never a traceback (SPEC §6, issue 13 item 6).

``explain(exc)`` turns what can go wrong around the program — a read-only or corrupted
database, a full disk, a lock held past the timeout, missing permissions, a closed pipe,
Ctrl-C — into one or two lines saying what happened and what to do. The traceback goes to
``<user state dir>/huifang/huifang.log`` (created 0600, never through a symlink), whose path
the message names. Light module: no ORM import unless an error is being explained.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import traceback
from datetime import datetime
from pathlib import Path

from .i18n import t

APP = "huifang"
LOG_NAME = "huifang.log"


def log_dir() -> Path:
    import platformdirs

    return platformdirs.user_state_path(APP)


def write_log(exc: BaseException) -> Path | None:
    """Append the traceback to the log; None if the log cannot be written safely. Never raises:
    it runs while another error is being reported."""
    try:
        text = f"--- {datetime.now().isoformat(timespec='seconds')} pid {os.getpid()}\n"
        text += "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        from . import system

        if system.locked() is not None:
            # The elevated process writes nothing of the person's: their own process appends it
            # to their log (issue 21), or there is no log.
            from . import broker

            got = broker.log(text)
            return Path(got) if got else None
        return append_log(text)
    except Exception:  # noqa: BLE001 - no log rather than a second error
        return None


def append_log(text: str) -> Path | None:
    """Append ``text`` to this user's log (created 0600, never through a symlink); its path, or
    None when it cannot be written safely."""
    try:
        d = log_dir()
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = d / LOG_NAME
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags, 0o600)
    except (OSError, ValueError):
        return None  # a symlink planted as the log, a full disk, …: no log rather than a wrong one
    try:
        os.write(fd, text.encode("utf-8", errors="replace"))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    return path


def _db_message(msg: str) -> str | None:
    m = msg.lower()
    if "readonly" in m or "read-only" in m:
        return "err.io.readonly"
    if "disk is full" in m or "database or disk is full" in m:
        return "err.io.disk_full"
    if "database is locked" in m or "database table is locked" in m:
        return "err.io.locked"
    if "not a database" in m or "malformed" in m or "file is encrypted" in m:
        return "err.io.not_database"
    if "unable to open database" in m:
        return "err.io.cannot_open"
    if "disk i/o error" in m:
        return "err.io.disk_io"
    return None


def _key(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "err.io.interrupted"
    if isinstance(exc, BrokenPipeError):
        return "err.io.broken_pipe"
    if isinstance(exc, sqlite3.Error):
        return _db_message(str(exc)) or "err.io.database"
    orig = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's error
    if isinstance(orig, BaseException) and type(exc).__module__.startswith("sqlalchemy"):
        return _db_message(str(orig)) or "err.io.database"
    if isinstance(exc, PermissionError):
        return "err.io.permission"
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "err.io.disk_full"
        if exc.errno == errno.EROFS:
            return "err.io.readonly"
        return "err.io.os"
    return "err.io.unexpected"


def _read_only(path: Path | None) -> bool:
    """The database file or its directory cannot be written (SQLite then says only that it is
    "unable to open" the file, as it cannot create the -wal/-shm files beside it). False when
    that cannot be told (e.g. the directory cannot be entered: ``Path.exists`` raises)."""
    try:
        if path is None or not path.exists():
            return False
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            return True
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except (OSError, ValueError, AttributeError):
        return False


def _full(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        st = os.statvfs(path.parent)
    except (OSError, ValueError):
        return False
    return st.f_bavail * st.f_frsize < 1024 * 1024


def _cause(exc: BaseException) -> BaseException:
    """The error to explain: ``exc``, or, when ``exc`` is a programming error raised while
    another was handled (a writer closing a file that never opened: ``ValueError: I/O
    operation on closed file`` after the ``PermissionError``), the OS or database error under it."""
    if _key(exc) != "err.io.unexpected":
        return exc
    seen, cur = set(), exc.__cause__ or exc.__context__
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if _key(cur) != "err.io.unexpected":
            return cur
        cur = cur.__cause__ or cur.__context__
    return exc


def _same_file(a: object, b: Path | None) -> bool:
    try:
        return b is not None and os.path.abspath(os.fsdecode(a)) == os.path.abspath(b)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def explain(exc: BaseException, db: str = "", db_path: Path | None = None) -> tuple[str, Path | None]:
    """The plain message for ``exc`` (the traceback logged, its path named) and the log path.
    Never raises: when explaining fails too, one plain line still says that something went
    wrong (issue 21)."""
    try:
        return _explain(exc, db, db_path)
    except BaseException:  # noqa: BLE001 - the explainer's own failure: still one plain line
        return last_words(exc), None


def _explain(exc: BaseException, db: str, db_path: Path | None) -> tuple[str, Path | None]:
    cause = _cause(exc)
    key = _key(cause)
    filename = getattr(cause, "filename", None)
    about_db = not filename or _same_file(filename, db_path)  # not a person's export or import
    if key in ("err.io.cannot_open", "err.io.database", "err.io.permission") and about_db and _read_only(db_path):
        key = "err.io.readonly"
    if key in ("err.io.disk_io", "err.io.database", "err.io.os") and _full(db_path):
        key = "err.io.disk_full"  # SQLite reports a WAL that cannot grow as a disk I/O error
    if key in ("err.io.interrupted", "err.io.broken_pipe"):
        return t(key), None
    log = write_log(exc)
    where = t("err.io.log", path=log) if log else t("err.io.no_log")
    target = os.fsdecode(filename) if isinstance(filename, (str, bytes)) and filename else db or "-"
    return t(key, db=db or "-", path=target, kind=type(cause).__name__) + "\n" + where, log


# The words when even the catalog cannot be read (no formatting, nothing that can fail).
_LAST_WORDS = {"zh_CN": "发生了意外错误，操作已停止。", "en": "An unexpected error stopped the operation."}


def last_words(exc: BaseException | None = None) -> str:
    """One plain line for any error, from the catalog if it can be read, else built in."""
    try:
        if isinstance(exc, KeyboardInterrupt):
            return t("err.io.interrupted")
        return t("err.io.unexpected", kind=type(exc).__name__ if exc is not None else "-")
    except BaseException:  # noqa: BLE001
        try:
            from .i18n import get_lang

            return _LAST_WORDS.get(get_lang(), _LAST_WORDS["zh_CN"])
        except BaseException:  # noqa: BLE001
            return _LAST_WORDS["zh_CN"]


def user_message(exc: BaseException, db: str = "", db_path: Path | None = None) -> str:
    """What the app shows for a failed worker: a refusal's own words, or the plain message
    (the traceback logged) for anything else — never a traceback, never Rich markup."""
    from .errors import ServiceError
    from .safe_text import plain_message

    if isinstance(exc, ServiceError):
        return plain_message(str(exc))
    return plain_message(explain(exc, db, db_path)[0])


def keep_ctrl_c() -> None:
    """A Ctrl-C that Python cannot deliver — it fell while the collector ran a clean-up
    (a weak reference's callback, a ``__del__``) — would print "Exception ignored in … Traceback"
    and be lost. Instead it is sent again, a moment later, to the command itself, which ends in
    its one plain line. Everything else unraisable goes to Python's own hook."""
    import sys

    before = sys.unraisablehook
    if getattr(before, "keeps_ctrl_c", False):
        return

    def hook(unraisable) -> None:  # noqa: ANN001
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            for _ in range(3):
                try:
                    _interrupt_main_soon()
                    return
                except KeyboardInterrupt:  # this one too fell here: send it again
                    continue
            return
        before(unraisable)

    hook.keeps_ctrl_c = True
    sys.unraisablehook = hook


def _interrupt_main_soon() -> None:
    """Ctrl-C for the main thread, from another thread a moment later: it lands at the
    command's next step, not inside the clean-up being run now."""
    import _thread
    import threading
    import time

    def later() -> None:
        time.sleep(0.05)
        _thread.interrupt_main()

    threading.Thread(target=later, name="ctrl-c-again", daemon=True).start()
