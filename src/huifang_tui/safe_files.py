"""Opening files a person names: imports, exports, the error log, backups (issue 14).

On a shared install the app may run with the store's group, so a path typed by a person must
never let them read or overwrite the store, a backup or anything else of the store's. Every
such file is opened here:

- without following a symlink in its last component (``O_NOFOLLOW``), through a descriptor of
  its directory (so the checks and the open see the same directory);
- refused, on the opened descriptors (``fstat``), when the file or its directory belongs to
  the store group, or the directory lies under the store directory (walking ``..`` from the
  directory's descriptor, so a symlinked directory does not hide it);
- only regular files; a FIFO or device is refused without blocking;
- written files are created new by the person (never truncated before the checks) and get the
  person's own group, not the store's.

Without a shared install only the symlink and regular-file rules apply.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from . import system
from .errors import PermissionDenied
from .i18n import t

_O_PATH = getattr(os, "O_PATH", os.O_RDONLY)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_MAX_DEPTH = 4096


class FileRefused(PermissionDenied):
    """The named file may not be used (store's, a symlink, not a regular file)."""


class _Guard:
    def __init__(self, gid: int | None, store_dir: tuple[int, int] | None):
        self.gid, self.store_dir = gid, store_dir


def _guard() -> _Guard:
    conf = system.locked()
    if conf is None:
        try:
            conf = system.load()
        except system.SystemConfigError:
            conf = None
    if conf is None:
        return _Guard(None, None)
    try:
        st = os.stat(conf.store_dir)
        sd = (st.st_dev, st.st_ino)
    except OSError:
        sd = None
    return _Guard(conf.store_gid(), sd)


def _open_dir(path: Path) -> int:
    parent = Path(os.path.abspath(path)).parent
    return os.open(parent, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)


def _check_dir(dfd: int, guard: _Guard, path: Path) -> None:
    st = os.fstat(dfd)
    if guard.gid is not None and st.st_gid == guard.gid:
        raise FileRefused(t("safe.refused_store", path=path))
    if guard.store_dir is None:
        return
    cur = os.dup(dfd)
    try:
        for _ in range(_MAX_DEPTH):
            st = os.fstat(cur)
            if (st.st_dev, st.st_ino) == guard.store_dir:
                raise FileRefused(t("safe.refused_store", path=path))
            try:
                up = os.open("..", _O_PATH | _O_DIRECTORY | _O_CLOEXEC, dir_fd=cur)
            except OSError:
                return
            ust = os.fstat(up)
            os.close(cur)
            cur = up
            if (ust.st_dev, ust.st_ino) == (st.st_dev, st.st_ino):  # "/" is its own parent
                if (ust.st_dev, ust.st_ino) == guard.store_dir:
                    raise FileRefused(t("safe.refused_store", path=path))
                return
    finally:
        os.close(cur)


def _check_file(fd: int, guard: _Guard, path: Path) -> os.stat_result:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(t("safe.not_regular", path=path))
    if guard.gid is not None and st.st_gid == guard.gid:
        raise FileRefused(t("safe.refused_store", path=path))
    return st


def _open_at(path: Path, flags: int, mode: int = 0o600) -> int:
    """``openat(dir, name, flags|O_NOFOLLOW)``; a symlink is refused with a plain message."""
    guard = _guard()
    dfd = _open_dir(path)
    try:
        _check_dir(dfd, guard, path)
        try:
            return os.open(Path(path).name, flags | _O_NOFOLLOW | _O_CLOEXEC | _O_NOCTTY, mode, dir_fd=dfd)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.EMLINK):
                raise FileRefused(t("safe.symlink", path=path)) from None
            raise
    finally:
        os.close(dfd)


def check_directory(path: str | Path) -> None:
    """For writers that must create ``path`` themselves (SQLite's backup API): refuse when its
    directory belongs to the store (group, or under the store directory). They still create
    the file with ``O_EXCL | O_NOFOLLOW``."""
    path = Path(path)
    dfd = _open_dir(path)
    try:
        _check_dir(dfd, _guard(), path)
    finally:
        os.close(dfd)


def open_read(path: str | Path) -> BinaryIO:
    """A person's file opened for reading (binary), after the checks above."""
    path = Path(path)
    fd = _open_at(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _check_file(fd, _guard(), path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | Path) -> bytes:
    with open_read(path) as f:
        return f.read()


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    return read_bytes(path).decode(encoding)


def open_write(path: str | Path, *, mode: int = 0o600, exclusive: bool = False,
               text: bool = False, encoding: str = "utf-8", newline: str | None = None) -> BinaryIO | io.TextIOWrapper:
    """A person's file opened for writing: a new file (``mode``, the person's own group) or an
    existing regular file of theirs, truncated only after the checks. ``exclusive`` refuses an
    existing file (FileExistsError)."""
    path = Path(path)
    guard = _guard()
    try:
        fd = _open_at(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        created = True
    except FileExistsError:
        if exclusive:
            raise
        fd = _open_at(path, os.O_WRONLY | os.O_NONBLOCK)
        created = False
    try:
        if created:
            _own_group(fd, guard)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FileRefused(t("safe.not_regular", path=path))
        else:
            _check_file(fd, guard, path)
            os.set_blocking(fd, True)
            os.ftruncate(fd, 0)
        if text:
            return open(fd, "w", encoding=encoding, newline=newline)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def _own_group(fd: int, guard: _Guard) -> None:
    """A file created by the elevated process would get the store's group: give it the
    person's own primary group (or, failing that, make it private)."""
    st = os.fstat(fd)
    if guard.gid is None or st.st_gid != guard.gid:
        return
    import pwd

    try:
        os.fchown(fd, -1, pwd.getpwuid(os.getuid()).pw_gid)
    except (OSError, KeyError):
        os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o700)
