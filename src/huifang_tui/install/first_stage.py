"""The first stage of the shared install: the person's own ``huifang`` (issue 21).

It starts the elevated process through sudo as a child, hands it one end of a socket pair and
serves its requests for the person's files with the person's own rights (``safe_files``),
until the child ends. The wire format and the elevated side are in ``broker``.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Callable

from ..core.broker import (
    MAX_READ_BYTES, failure_kind, failure_text, file_chunks, recv_chunks, recv_msg, send_chunks, send_msg,
)

def run_elevated(argv_for: Callable[[int], list[str]], env: dict | None = None) -> int:
    """Start the elevated child (``argv_for(fd)`` gives its command line) and serve its files
    until it ends; its exit status."""
    import subprocess

    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fd = child.fileno()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        proc = subprocess.Popen(argv_for(fd), pass_fds=(fd,), env=env)
    except OSError:
        parent.close()
        child.close()
        raise
    child.close()
    # The child and sudo get the terminal's signals themselves; the first stage waits for it.
    # (Ignored only now: an ignored signal would stay ignored in the child.)
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGQUIT)}
    try:
        serve(parent)
    finally:
        parent.close()
        rc = proc.wait()
        for s, h in old.items():
            signal.signal(s, h)
    return rc if rc >= 0 else 128 - rc


def serve(sock: socket.socket) -> None:
    """Answer the elevated process's requests until it closes the channel."""
    while True:
        try:
            msg = recv_msg(sock)
        except (EOFError, OSError, ValueError):
            return
        op = msg.get("op")
        try:
            if op == "read":
                _serve_read(sock, msg)
            elif op == "write":
                _serve_write(sock, msg)
            elif op == "stat":
                _serve_stat(sock, msg)
            elif op == "log":
                _serve_log(sock, msg)
            else:
                send_msg(sock, {"ok": False, "kind": "os", "message": f"unknown request {op!r}"})
        except (EOFError, ConnectionError):
            return


def _serve_read(sock: socket.socket, msg: dict) -> None:
    from ..core import checked_files

    path = str(msg.get("path") or "")
    limit = int(msg.get("max") or MAX_READ_BYTES)
    try:
        f = checked_files.open_read(path)
    except (OSError, checked_files.FileRefused) as e:
        send_msg(sock, {"ok": False, "kind": failure_kind(e), "message": failure_text(e, path)})
        return
    with f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            send_msg(sock, {"ok": True, "size": size, "too_big": True})
            return
        send_msg(sock, {"ok": True, "size": size})
        send_chunks(sock, file_chunks(f))


def _serve_stat(sock: socket.socket, msg: dict) -> None:
    from ..core import checked_files

    path = str(msg.get("path") or "")
    try:
        size, mtime = checked_files.stamp(path)
    except (OSError, checked_files.FileRefused) as e:
        send_msg(sock, {"ok": False, "kind": failure_kind(e), "message": failure_text(e, path)})
        return
    send_msg(sock, {"ok": True, "size": size, "mtime_ns": mtime})


def _serve_write(sock: socket.socket, msg: dict) -> None:
    from ..core import checked_files

    path = str(msg.get("path") or "")
    mode = int(msg.get("mode") or 0o600) & 0o666
    try:
        w = checked_files.AtomicWriter(path, mode=mode, exclusive=bool(msg.get("exclusive")))
    except (OSError, checked_files.FileRefused) as e:
        send_msg(sock, {"ok": False, "kind": failure_kind(e), "message": failure_text(e, path)})
        return
    send_msg(sock, {"ok": True})
    failed: BaseException | None = None
    try:
        for c in recv_chunks(sock):
            if failed is None:
                try:
                    w.write(c)
                except OSError as e:
                    failed = e  # read the rest, then say so
    except BaseException:
        w.abort()
        raise
    if failed is not None:
        w.abort()
        send_msg(sock, {"ok": False, "kind": failure_kind(failed), "message": failure_text(failed, path)})
        return
    try:
        done = w.commit()
    except (OSError, checked_files.FileRefused) as e:
        send_msg(sock, {"ok": False, "kind": failure_kind(e), "message": failure_text(e, path)})
        return
    send_msg(sock, {"ok": True, "path": str(done)})


def _serve_log(sock: socket.socket, msg: dict) -> None:
    from ..core import crash

    path = crash.append_log(str(msg.get("text") or ""))
    send_msg(sock, {"ok": path is not None, "path": str(path) if path else ""})
