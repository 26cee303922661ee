"""Files across the privilege boundary of the shared install (issue 21).

On a shared install ``huifang`` (the person's own process, the *first stage*) does not replace
itself with the elevated process: it starts it as a child through sudo, under the service
account and the store's group, hands it one end of a socket pair, and stays alive to serve its
files. The elevated process never opens a path a person names. It asks the first stage:

- ``read``: the first stage opens the person's file with the person's own rights (no symlink,
  regular files only) and streams its bytes;
- ``write``: the elevated process streams the bytes; the first stage writes them to a temporary
  file beside the target, with the person's own rights and group, and renames it into place
  only when everything arrived (never half-written);
- ``log``: an error report, appended to the person's own error log.

So a symlink, a hard link or a path into the store's directory can make the elevated process
touch nothing but the store: the first stage cannot open the store, and the elevated process
opens nothing else of the person's.

The socket is passed as an inherited descriptor (``sudo -C``, allowed by the sudoers rule's
``closefrom_override``) whose number the first argument names (``system.take_fd_argument``).
The serving side is ``first_stage``. The elevated process accepts
it only when the peer's uid is the one sudo reports (``SUDO_UID``).

Wire format: a message is a 4-byte big-endian length and a UTF-8 JSON object; file contents
follow as chunks (4-byte length, bytes), ended by an empty chunk. Standard library only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import struct
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 256 * 1024
MAX_HEADER = 1024 * 1024
MAX_READ_BYTES = 128 * 1024 * 1024  # above every reader's own limit; larger files arrive empty
_LEN = struct.Struct(">I")


class BrokerError(OSError):
    """The first stage could not do it; ``str()`` is its plain message, in the person's language.
    ``kind`` is ``refused`` (a symlink, the store's file, not a regular file), ``exists``,
    ``missing`` or ``os``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message

    def __str__(self) -> str:
        return self.message


# -- wire -----------------------------------------------------------------------------------

def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise EOFError
        buf += part
    return bytes(buf)


def send_msg(sock: socket.socket, msg: dict) -> None:
    data = json.dumps(msg, ensure_ascii=False).encode("utf-8")
    sock.sendall(_LEN.pack(len(data)) + data)


def recv_msg(sock: socket.socket) -> dict:
    (n,) = _LEN.unpack(_recv_exact(sock, _LEN.size))
    if n > MAX_HEADER:
        raise EOFError
    msg = json.loads(_recv_exact(sock, n).decode("utf-8"))
    if not isinstance(msg, dict):
        raise EOFError
    return msg


def send_chunks(sock: socket.socket, chunks: Iterable[bytes]) -> None:
    for c in chunks:
        if c:
            sock.sendall(_LEN.pack(len(c)) + c)
    sock.sendall(_LEN.pack(0))


def recv_chunks(sock: socket.socket) -> Iterator[bytes]:
    while True:
        (n,) = _LEN.unpack(_recv_exact(sock, _LEN.size))
        if n == 0:
            return
        if n > CHUNK * 4:
            raise EOFError
        yield _recv_exact(sock, n)


def file_chunks(f: BinaryIO) -> Iterator[bytes]:
    while True:
        c = f.read(CHUNK)
        if not c:
            return
        yield c


# -- the elevated side ----------------------------------------------------------------------

_channel: socket.socket | None = None


def attach(fd: int | None, expected_uid: int | None) -> bool:
    """Take the channel: a Unix stream socket whose peer runs as ``expected_uid``. Anything else
    is closed and ignored (file operations are then refused)."""
    global _channel
    if fd is None or fd < 3 or expected_uid is None:
        return False
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    if not stat.S_ISSOCK(st.st_mode):
        return False
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return False
    try:
        if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_STREAM:
            raise OSError
        cred = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", cred)
        if uid != expected_uid:
            raise OSError
    except OSError:
        sock.close()
        return False
    os.set_inheritable(fd, False)
    _channel = sock
    import threading

    threading.Thread(target=_end_with_first_stage, args=(fd,), name="first-stage-watch", daemon=True).start()
    return True


def _end_with_first_stage(fd: int) -> None:
    """End this process when the person's own process is gone (their SSH session dropped, or
    they killed it): nothing is left running for them with a claim or a terminal that is gone.
    Only a hang-up of the peer is watched; requests and replies are not read here."""
    import select

    p = select.poll()
    p.register(fd, getattr(select, "POLLRDHUP", 0x2000))
    while True:
        try:
            events = p.poll()
        except InterruptedError:
            continue
        except OSError:
            return
        if events:
            break
    os.kill(os.getpid(), signal.SIGHUP)  # the default action ends it; SQLite rolls back an open write
    import time

    time.sleep(2)
    os._exit(129)


def active() -> bool:
    return _channel is not None


def _ask(msg: dict) -> socket.socket:
    if _channel is None:
        from .i18n import t
        from .errors import FileRefused

        raise FileRefused(t("broker.no_channel"))
    send_msg(_channel, msg)
    return _channel


def _answer(sock: socket.socket) -> dict:
    reply = recv_msg(sock)
    if not reply.get("ok"):
        kind, message = str(reply.get("kind") or "os"), str(reply.get("message") or "")
        if kind == "refused":
            from .errors import FileRefused

            raise FileRefused(message)
        if kind == "exists":
            raise FileExistsError(message)
        raise BrokerError(kind, message)
    return reply


def read_file(path: str | Path) -> BinaryIO:
    """The person's file, as a private anonymous temporary file (seekable, with a size)."""
    try:
        sock = _ask({"op": "read", "path": str(path), "max": MAX_READ_BYTES})
        head = _answer(sock)
        out = tempfile.TemporaryFile()
        try:
            size = int(head.get("size") or 0)
            if head.get("too_big"):
                out.truncate(size)  # its size is all a reader needs to refuse it
            else:
                for c in recv_chunks(sock):
                    out.write(c)
            out.seek(0)
            return out
        except BaseException:
            out.close()
            raise
    except (EOFError, ConnectionError) as e:
        raise _lost() from e


def stamp(path: str | Path) -> tuple[int, int]:
    """The person's file's size and modification time (to notice it changing between reads)."""
    try:
        reply = _answer(_ask({"op": "stat", "path": str(path)}))
    except (EOFError, ConnectionError) as e:
        raise _lost() from e
    return int(reply.get("size") or 0), int(reply.get("mtime_ns") or 0)


def write_file(path: str | Path, chunks: Iterable[bytes], *, exclusive: bool = False,
               mode: int = 0o600) -> str:
    """Stream ``chunks`` to the person's file; returns the path the first stage wrote."""
    try:
        sock = _ask({"op": "write", "path": str(path), "exclusive": exclusive, "mode": mode})
        _answer(sock)  # the first stage is ready: its checks passed and the temporary file exists
        send_chunks(sock, chunks)
        return str(_answer(sock).get("path") or path)
    except (EOFError, ConnectionError) as e:
        raise _lost() from e


def log(text: str) -> str | None:
    """Append ``text`` to the person's error log; the log's path, or None."""
    if _channel is None:
        return None
    try:
        send_msg(_channel, {"op": "log", "text": text})
        reply = recv_msg(_channel)
    except (OSError, EOFError, ValueError):
        return None
    return str(reply["path"]) if reply.get("ok") and reply.get("path") else None


def _lost() -> BrokerError:
    from .i18n import t

    return BrokerError("os", t("broker.lost"))


# -- one plain line for a failure on a person's file (both sides) ----------------------------

def failure_kind(e: BaseException) -> str:
    from .errors import FileRefused

    if isinstance(e, (FileRefused, PermissionError)):
        return "refused"
    if isinstance(e, FileExistsError):
        return "exists"
    if isinstance(e, (FileNotFoundError, NotADirectoryError)):
        return "missing"
    return "os"


def failure_text(e: BaseException, path: str | Path | None) -> str:
    """One plain line for a failure on a person's file."""
    from .errors import FileRefused
    from .i18n import t

    if isinstance(e, (FileRefused, BrokerError)):
        return str(e)
    name = path if path is not None else (getattr(e, "filename", None) or "")
    if isinstance(e, FileExistsError):
        return t("safe.exists", path=name)
    if isinstance(e, (FileNotFoundError, NotADirectoryError)):
        return t("safe.missing", path=name)
    if isinstance(e, IsADirectoryError):
        return t("safe.not_regular", path=name)
    if isinstance(e, PermissionError):
        return t("safe.no_permission", path=name)
    if isinstance(e, OSError):
        return t("safe.unreadable", path=name, error=e.strerror or type(e).__name__)
    return t("safe.unreadable", path=name, error=type(e).__name__)
