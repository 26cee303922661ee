"""Real OS users and groups for the shared-install tests, and a root-owned venv under /opt.

Everything is created with a random suffix and removed afterwards. The venv is built offline
from what the test run already has: Debian's /usr/bin/python3 (runnable by every user, unlike
an interpreter under /root), the runtime dependencies copied from the running environment,
and this checkout's ``src/huifang_tui`` and ``data/`` (copied: the checkout itself may sit
where other users cannot enter).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import huifang_tui

CHECKOUT = Path(huifang_tui.__file__).resolve().parents[2]


def skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (creates OS users and groups, a sudoers rule and a venv under /opt)"
    for tool in ("sudo", "visudo", "useradd", "groupadd", "runuser"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is missing (apt-get install sudo)"
    if base_python() is None:
        return f"no Python {sys.version_info.major}.{sys.version_info.minor} that other users may run (/usr/bin)"
    return None


def base_python() -> str | None:
    """An interpreter of the running minor version that every user can execute."""
    from huifang_tui.install.setup import usable_by_everyone

    want = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for cand in (f"/usr/bin/{want}", f"/usr/local/bin/{want}"):
        if Path(cand).exists() and usable_by_everyone(Path(cand)):
            return cand
    return None


def tool(name: str) -> str:
    return shutil.which(name) or next((f"{d}/{name}" for d in ("/usr/sbin", "/sbin", "/usr/bin")
                                       if Path(f"{d}/{name}").exists()), name)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run([tool(cmd[0]), *cmd[1:]], capture_output=True, text=True, **kw)


def must(cmd: list[str]) -> None:
    r = run(cmd)
    assert r.returncode == 0, (cmd, r.stdout, r.stderr)


def add_group(name: str) -> None:
    must(["groupadd", name])


def add_user(name: str, *groups: str) -> None:
    cmd = ["useradd", "-m", "-s", "/bin/sh"]
    if groups:
        cmd += ["-G", ",".join(groups)]
    must([*cmd, name])


def add_service_user(name: str) -> None:
    """As ``huifang init --shared --install`` makes it: no login, no home, its own group."""
    must(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
          "--shell", "/usr/sbin/nologin", name])


def remove_user(name: str) -> None:
    run(["userdel", "-f", "-r", name])


def remove_group(name: str) -> None:
    run(["groupdel", name])


def _runtime_dists() -> list:
    from packaging.requirements import Requirement

    todo, seen = ["huifang-tui"], {}
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        seen[key] = dist
        for req in dist.requires or []:
            r = Requirement(req)
            if r.marker is not None and not r.marker.evaluate({"extra": ""}):
                continue
            todo.append(r.name)
    seen.pop("huifang-tui", None)
    return list(seen.values())


def build_venv(venv: Path) -> None:
    """A root-owned venv with huifang installed, built without the network (a few seconds)."""
    must([base_python(), "-m", "venv", "--without-pip", str(venv)])
    site = next((venv / "lib").glob("python3*/site-packages"))
    for dist in _runtime_dists():
        for f in dist.files or []:
            if str(f).startswith(".."):
                continue  # scripts outside site-packages
            src = Path(dist.locate_file(f))
            if src.is_file() and "__pycache__" not in src.parts:
                dest = site / f
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
    shutil.copytree(CHECKOUT / "src" / "huifang_tui", site / "huifang_tui",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(CHECKOUT / "data", venv / "share" / "huifang")
    # as pip does: byte-compile now, since no one but root may write in the venv later
    must([str(venv / "bin" / "python"), "-m", "compileall", "-q", "-j", "0", str(site)])
    script = venv / "bin" / "huifang"
    script.write_text(f"#!{venv}/bin/python\nimport sys\nfrom huifang_tui.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    must(["chown", "-R", "root:root", str(venv)])
    must(["chmod", "-R", "u+rwX,go+rX,go-w", str(venv)])


def as_user(login: str, cmd: list[str], *, env: dict | None = None, cwd: str | Path = "/tmp",
            timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``cmd`` as ``login`` with a plain environment (no PYTHONPATH, no root's HOME)."""
    import pwd

    home = pwd.getpwnam(login).pw_dir
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "TERM": "dumb",
            "USER": login, "LOGNAME": login}
    base.update(env or {})
    return subprocess.run([tool("runuser"), "-u", login, "--", *cmd], capture_output=True, text=True,
                          env=base, cwd=str(cwd), timeout=timeout)
