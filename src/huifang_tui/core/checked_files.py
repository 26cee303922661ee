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
from .errors import FileRefused  # noqa: F401  (re-exported)
from .i18n import t

_O_PATH = getattr(os, "O_PATH", os.O_RDONLY)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_MAX_DEPTH = 4096


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
    """A person's file opened for reading (binary), after the checks above. In the elevated
    process the first stage reads it (``broker``): a private temporary copy is returned."""
    if system.locked() is not None:
        from . import broker

        return broker.read_file(path)
    path = Path(path)
    fd = _open_at(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _check_file(fd, _guard(), path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def stamp(path: str | Path) -> tuple[int, int]:
    """Size and modification time of a person's file, read from the opened file (in the
    elevated process, by the first stage)."""
    if system.locked() is not None:
        from . import broker

        return broker.stamp(path)
    with open_read(path) as f:
        st = os.fstat(f.fileno())
    return st.st_size, st.st_mtime_ns


def read_bytes(path: str | Path) -> bytes:
    with open_read(path) as f:
        return f.read()


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    return read_bytes(path).decode(encoding)


class AtomicWriter:
    """A person's file written whole or not at all: the bytes go to a new temporary file beside
    it (``.NAME.XXXXXX.part``, ``mode``, the person's own group), which replaces ``path`` only on
    ``commit()``. The target may be missing or an existing regular file of the person's (not a
    symlink, nothing of the store's); ``exclusive`` refuses an existing one (FileExistsError).
    ``abort()`` removes the temporary file."""

    def __init__(self, path: str | Path, *, mode: int = 0o600, exclusive: bool = False):
        self.path = Path(os.path.abspath(Path(path).expanduser()))
        self.exclusive = exclusive
        self._guard = _guard()
        self._dfd = _open_dir(self.path)
        self._tmp: str | None = None
        self._fd: int | None = None
        try:
            _check_dir(self._dfd, self._guard, self.path)
            self._check_target()
            for _ in range(100):
                name = f".{self.path.name[:200]}.{secrets_token()}.part"
                try:
                    self._fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC,
                                       mode, dir_fd=self._dfd)
                except FileExistsError:
                    continue
                self._tmp = name
                break
            else:
                raise FileExistsError(errno.EEXIST, "no temporary name", str(self.path))
            _own_group(self._fd, self._guard)
            os.fchmod(self._fd, mode & 0o666)
        except BaseException:
            self.abort()
            raise

    def _check_target(self) -> None:
        try:
            st = os.stat(self.path.name, dir_fd=self._dfd, follow_symlinks=False)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(st.st_mode):
            raise FileRefused(t("safe.symlink", path=self.path))
        if self.exclusive:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(self.path))
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(t("safe.not_regular", path=self.path))
        if self._guard.gid is not None and st.st_gid == self._guard.gid:
            raise FileRefused(t("safe.refused_store", path=self.path))

    def write(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    def commit(self) -> Path:
        """Flush, then put the file in place (checked again: the target may have changed)."""
        assert self._fd is not None and self._tmp is not None
        try:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            self._check_target()
            if self.exclusive:
                os.link(self._tmp, self.path.name, src_dir_fd=self._dfd, dst_dir_fd=self._dfd,
                        follow_symlinks=False)  # fails if it appeared meanwhile
                os.unlink(self._tmp, dir_fd=self._dfd)
            else:
                os.rename(self._tmp, self.path.name, src_dir_fd=self._dfd, dst_dir_fd=self._dfd)
            self._tmp = None
        except BaseException:
            self.abort()
            raise
        self._close_dir()
        return self.path

    def abort(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._tmp is not None and self._dfd is not None:
            try:
                os.unlink(self._tmp, dir_fd=self._dfd)
            except OSError:
                pass
            self._tmp = None
        self._close_dir()

    def _close_dir(self) -> None:
        if self._dfd is not None:
            os.close(self._dfd)
            self._dfd = None


def secrets_token() -> str:
    import secrets

    return secrets.token_hex(4)


class _Outgoing(io.RawIOBase):
    """A writable file whose bytes become the person's file when it is closed without an error
    (``with`` block ended normally, or ``close()`` called). In the elevated process the bytes
    are spooled to a private temporary file and then handed to the first stage."""

    def __init__(self, path: Path, mode: int, exclusive: bool):
        super().__init__()
        self.path, self._mode, self._exclusive = path, mode, exclusive
        self._failed = False
        self.written: Path | None = None
        if system.locked() is not None:
            import tempfile

            self._spool: BinaryIO | None = tempfile.TemporaryFile()
            self._local: AtomicWriter | None = None
        else:
            self._spool = None
            self._local = AtomicWriter(path, mode=mode, exclusive=exclusive)

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # noqa: ANN001
        data = bytes(b)
        if self._spool is not None:
            self._spool.write(data)
        elif self._local is not None:
            self._local.write(data)
        return len(data)

    def fail(self) -> None:
        self._failed = True

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._failed:
                if self._local is not None:
                    self._local.abort()
                return
            if self._local is not None:
                self.written = self._local.commit()
            elif self._spool is not None:
                from . import broker

                self._spool.seek(0)
                self.written = Path(broker.write_file(self.path, broker.file_chunks(self._spool),
                                                      exclusive=self._exclusive, mode=self._mode))
        finally:
            if self._spool is not None:
                self._spool.close()
            super().close()


class _Writing:
    """``with open_write(...) as f``: the file is put in place only when the block ends without
    an exception; otherwise nothing is left behind."""

    def __init__(self, raw: _Outgoing, f: io.BufferedWriter | io.TextIOWrapper):
        self._raw, self._f = raw, f

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._f, name)

    def __iter__(self):  # noqa: ANN204
        return iter(self._f)

    def __del__(self) -> None:
        if not self._f.closed:  # dropped without close(): an error left it unfinished
            self._raw.fail()

    def __enter__(self):  # noqa: ANN204
        return self._f

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        if exc_type is not None:
            self._raw.fail()
        self._f.close()

    def close(self) -> None:
        self._f.close()

    @property
    def written(self) -> Path | None:
        return self._raw.written


def open_write(path: str | Path, *, mode: int = 0o600, exclusive: bool = False,
               text: bool = False, encoding: str = "utf-8", newline: str | None = None) -> _Writing:
    """A person's file opened for writing, put in place whole when closed (see ``AtomicWriter``;
    in the elevated process through the first stage). ``exclusive`` refuses an existing file
    (FileExistsError)."""
    raw = _Outgoing(Path(path), mode, exclusive)
    buf = io.BufferedWriter(raw, buffer_size=CHUNK_BYTES)
    f: io.BufferedWriter | io.TextIOWrapper = (
        io.TextIOWrapper(buf, encoding=encoding, newline=newline) if text else buf)
    return _Writing(raw, f)


CHUNK_BYTES = 256 * 1024


def write_bytes(path: str | Path, data: bytes, *, mode: int = 0o600, exclusive: bool = False) -> Path:
    """``data`` as the person's file, whole or not at all; the path written."""
    w = open_write(path, mode=mode, exclusive=exclusive)
    with w as f:
        f.write(data)
    return w.written or Path(path)


def rendered(document) -> bytes:  # noqa: ANN001 - anything with save(file) (a workbook)
    """A document saved into memory, never to a path: what ``write_bytes`` then hands over whole
    (the exports build their workbooks here; no path a person names is opened by the builder)."""
    import io

    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def write_from(path: str | Path, src: str | Path, *, mode: int = 0o600, exclusive: bool = False) -> Path:
    """Copy the private file ``src`` (made by this process) to the person's file ``path``."""
    w = open_write(path, mode=mode, exclusive=exclusive)
    with w as f, open(src, "rb") as r:
        while True:
            c = r.read(CHUNK_BYTES)
            if not c:
                break
            f.write(c)
    return w.written or Path(path)


def place(path: str | Path, src: str | Path) -> Path:
    """Put the private file ``src``, made whole by this process in a folder beside ``path``, at
    ``path`` by a hard link: never over an existing file or through a symlink (FileExistsError),
    in a directory checked as ``AtomicWriter`` checks it. The file keeps its owner, group and
    mode (a backup keeps the store's group)."""
    path = Path(os.path.abspath(Path(path).expanduser()))
    dfd = _open_dir(path)
    try:
        _check_dir(dfd, _guard(), path)
        os.link(src, path.name, dst_dir_fd=dfd, follow_symlinks=False)
    finally:
        os.close(dfd)
    return path


def _own_group(fd: int, guard: _Guard) -> None:
    """A file created by a process holding the store's group would get that group: give it the
    person's own primary group (or, failing that, make it private)."""
    st = os.fstat(fd)
    if guard.gid is None or st.st_gid != guard.gid:
        return
    import pwd

    try:
        os.fchown(fd, -1, pwd.getpwuid(os.getuid()).pw_gid)
    except (OSError, KeyError):
        os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o700)
