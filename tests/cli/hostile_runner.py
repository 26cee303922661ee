"""Runs many ``huifang`` command lines fast, each in a child process of its own.

``python hostile_runner.py CASES.json``: imports the whole program once, then forks one child
per case (a few at a time). The child sets the case's environment, working directory, user
(``"uid"``: drops root's rights, as a person on the machine runs it), stdout (a file, or a pipe
whose reader has gone) and optional Ctrl-C (``"interrupt_after"``: SIGINT raised that many
seconds into the command), then does what the ``huifang`` script does: ``sys.exit(main())``,
an exception escaping ``main`` printed by the same hook as Python's own. Its stdout and stderr
go to ``out.txt`` / ``err.txt`` in the case's directory. One JSON line per case on stdout:
``{"id", "status", "signal", "timed_out", "seconds"}``.

Starting Python and importing the ORM takes about a second a command; forking an
already-loaded interpreter takes milliseconds, which is what lets the sweep run every command
with every hostile input (tests/cli/test_hostile_paths.py).
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import signal
import sys
import time
import traceback


def preload() -> None:
    """Everything a command may import, before any fork (the children must not pay for it,
    and a child that dropped root's rights may not be able to read the interpreter's files)."""
    import huifang_tui

    for mod in pkgutil.walk_packages(huifang_tui.__path__, "huifang_tui."):
        if mod.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(mod.name)
        except Exception:  # noqa: BLE001, S110 - an optional module the commands do not need
            pass
    for name in ("openpyxl", "openpyxl.writer.excel", "rich.console", "rich.progress", "rich.table",
                 "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.sqlite.pysqlite", "charset_normalizer",
                 "sqlalchemy.dialects.postgresql", "sqlalchemy.dialects.postgresql.psycopg", "psycopg",
                 "alembic.command", "alembic.config", "alembic.runtime.migration", "alembic.script",
                 "tomllib", "csv", "zipfile", "getpass", "shutil", "tempfile", "hashlib", "random", "uuid",
                 "json", "decimal", "zoneinfo", "platformdirs", "platformdirs.unix", "sqlite3", "pwd", "grp",
                 "encodings.gb18030", "encodings.gbk", "encodings.big5", "encodings.shift_jis", "encodings.idna",
                 "encodings.utf_16", "encodings.cp1252", "encodings.latin_1", "encodings.ascii"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110
            pass
    # what every child would otherwise do again first: the ORM's mappers (a third of a second)
    # and both languages' catalogs
    try:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
        from huifang_tui.core.i18n import set_lang, t

        for lang in ("en", "zh_CN"):
            set_lang(lang)
            t("cli.description")
    except Exception:  # noqa: BLE001, S110
        pass


_interrupted = False


def _ctrl_c_inside_the_command(_signum, frame) -> None:  # noqa: ANN001
    """Ctrl-C while the command runs (``cli._main`` on the stack). A loaded machine may let the
    timer run out before the child has entered ``main`` (Python's own start, where a Ctrl-C
    prints a traceback in any program): then it is tried again a moment later."""
    global _interrupted
    f = frame
    while f is not None:
        if f.f_code.co_name == "_main" and f.f_code.co_filename.endswith(os.path.join("cli", "__init__.py")):
            if not _interrupted:
                _interrupted = True
                raise KeyboardInterrupt
            return
        f = f.f_back
    if not _interrupted:
        signal.setitimer(signal.ITIMER_REAL, 0.005)


def child(case: dict) -> None:
    """In the forked child: never returns."""
    code = 1
    try:
        d = case["dir"]
        out = os.open(os.path.join(d, "out.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        err = os.open(os.path.join(d, "err.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        if case.get("stdout") == "closed_pipe":
            r, w = os.pipe()
            os.close(r)
            os.dup2(w, 1)
            os.close(w)
        else:
            os.dup2(out, 1)
        os.dup2(err, 2)
        for fd in (out, err, null):
            os.close(fd)
        os.environ.clear()
        os.environ.update(case["env"])
        os.chdir(case.get("cwd") or d)
        uid = case.get("uid")
        if uid is not None:
            os.setgroups([])
            os.setgid(case["gid"])
            os.setuid(uid)
        os.umask(0o022)
        sys.argv = ["huifang", *case["argv"]]
        after = case.get("interrupt_after")
        if after:
            signal.signal(signal.SIGALRM, _ctrl_c_inside_the_command)
            signal.setitimer(signal.ITIMER_REAL, after)
        from huifang_tui.cli import main

        try:
            code = main()
        except SystemExit as e:
            code = e.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException as e:  # noqa: BLE001 - what Python itself prints for an uncaught exception
        try:
            sys.excepthook(type(e), e, e.__traceback__)
        except BaseException:  # noqa: BLE001, S110
            pass
        code = 1
    signal.setitimer(signal.ITIMER_REAL, 0)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException as e:  # noqa: BLE001 - Python reports a failed final flush so
            try:
                os.write(2, f"Exception ignored on flushing {stream.name}: {e!r}\n".encode())
            except OSError:
                pass
            code = 120 if code == 0 else code
    os._exit(code & 0xFF)


def main() -> int:
    cases = json.loads(open(sys.argv[1], encoding="utf-8").read())  # noqa: SIM115
    workers = int(os.environ.get("HOSTILE_WORKERS") or max(2, min(4, (os.cpu_count() or 2))))
    preload()
    sys.stdout.flush()
    sys.stderr.flush()
    pending = list(reversed(cases))
    running: dict[int, tuple[dict, float]] = {}
    while pending or running:
        while pending and len(running) < workers:
            case = pending.pop()
            pid = os.fork()
            if pid == 0:
                child(case)
            running[pid] = (case, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for p, (case, started) in list(running.items()):
                if now - started > case.get("timeout", 60):
                    case["timed_out"] = True
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.005)
            continue
        case, started = running.pop(pid)
        rec = {"id": case["id"], "seconds": round(time.monotonic() - started, 3),
               "timed_out": bool(case.get("timed_out")),
               "status": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
               "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}
        sys.stdout.write(json.dumps(rec) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        sys.exit(3)
