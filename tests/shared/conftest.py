"""A real shared install for the tests: groups, OS users, a store, a sudoers rule, a venv.

Built once per test session as root and removed at the end; skipped with the reason when
the machine cannot (not root, sudo missing, no Python other users may run).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from . import osusers

TZ = "Asia/Shanghai"  # the config's zone; the machine's and the callers' differ on purpose


@dataclass
class Install:
    venv: Path
    root: Path  # world-readable temporary directory: config and store
    config: Path
    store: Path
    store_group: str
    agents_group: str
    agent: str
    supervisor: str
    outsider: str
    service: str
    sudoers: Path
    numbers: list[str]

    @property
    def huifang(self) -> str:
        return str(self.venv / "bin" / "huifang")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def run(self, login: str, *args: str, env: dict | None = None, cwd: str | Path | None = None):
        return osusers.as_user(login, [self.huifang, *args], env=env, cwd=cwd or self.root)

    def sudo(self, login: str, *args: str, env: dict | None = None):
        """The elevated process started directly (as the re-exec does), extra args included."""
        cmd = ["sudo", "-n", "-u", self.service, "-g", self.store_group, self.python, "-I", "-m", "huifang_tui",
               *args]
        return osusers.as_user(login, cmd, env=env, cwd=self.root)

    def home(self, login: str) -> Path:
        import pwd

        return Path(pwd.getpwnam(login).pw_dir)


@pytest.fixture(scope="session")
def shared_install():
    reason = osusers.skip_reason()
    if reason:
        pytest.skip(reason)
    suf = secrets.token_hex(3)
    names = {"store": f"hfdb{suf}", "agents": f"hfag{suf}", "agent": f"hfa{suf}", "sup": f"hfs{suf}",
             "out": f"hfo{suf}", "svc": f"hfsvc{suf}"}
    prefix = Path(f"/opt/huifang-test-{suf}")
    root = Path(tempfile.mkdtemp(prefix="huifang-shared-"))
    sudoers = Path(f"/etc/sudoers.d/huifang-test-{suf}")
    made_groups: list[str] = []
    made_users: list[str] = []
    try:
        os.chmod(root, 0o755)
        osusers.add_group(names["agents"])
        made_groups.append(names["agents"])
        for u in ("agent", "sup"):
            osusers.add_user(names[u], names["agents"])
            made_users.append(names[u])
        osusers.add_user(names["out"])
        made_users.append(names["out"])
        osusers.add_service_user(names["svc"])
        made_users.append(names["svc"])
        made_groups.append(names["store"])  # created by init below

        prefix.mkdir(mode=0o755)
        venv = prefix / "venv"
        osusers.build_venv(venv)
        config = root / "etc" / "huifang" / "config.toml"
        pointer = venv / "huifang-test-system-config"
        pointer.write_text(str(config) + "\n")
        pointer.chmod(0o644)

        store_dir = root / "srv" / "huifang"
        r = subprocess.run(
            [str(venv / "bin" / "python"), "-I", "-m", "huifang_tui", "init", "--shared", str(store_dir),
             "--group", names["agents"], "--store-group", names["store"], "--admin", "root",
             "--service-user", names["svc"]],
            capture_output=True, text=True, env={"PATH": "/usr/sbin:/usr/bin:/bin", "LANG": "C.UTF-8"})
        assert r.returncode == 0, r.stdout + r.stderr
        _set_timezone(config, TZ)

        from huifang_tui.core import system
        from huifang_tui.install.setup import install_sudoers, sudoers_rule

        conf = system.load(config)
        assert conf.python == venv / "bin" / "python"  # init picked the root-owned venv it ran from
        install_sudoers(sudoers_rule(conf), sudoers)

        numbers = _seed(conf.database, names["agent"], names["sup"])
        yield Install(venv=venv, root=root, config=config, store=conf.database, store_group=names["store"],
                      agents_group=names["agents"], agent=names["agent"], supervisor=names["sup"],
                      outsider=names["out"], service=names["svc"], sudoers=sudoers, numbers=numbers)
    finally:
        sudoers.unlink(missing_ok=True)
        for u in made_users:
            osusers.remove_user(u)
        made_groups.append(names["svc"])  # the service account's own group, if userdel left it
        for g in made_groups:
            osusers.remove_group(g)
        shutil.rmtree(prefix, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


def _set_timezone(config: Path, tz: str) -> None:
    lines = [ln for ln in config.read_text().splitlines() if not ln.startswith("timezone")]
    config.write_text("\n".join(lines) + f'\ntimezone = "{tz}"\n')


def _seed(db: Path, agent: str, supervisor: str) -> list[str]:
    """As root (who may open the store): the two people as users, two callbacks for the agent."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from factories import add_callback, add_customer, add_user

    from huifang_tui.services.base import Store
    from huifang_tui.store.db import fix_mode

    store = Store("sqlite:///" + str(db))
    add_user(store, agent, "agent", "测试坐席")
    add_user(store, supervisor, "supervisor", "测试主管")
    today = datetime.now(ZoneInfo(TZ)).date()
    numbers = ["HF202612901", "HF202612902"]
    cid = add_customer(store, "杭州恒达机械有限公司", agent=agent)
    for n in numbers:
        add_callback(store, cid, n, agent=agent, due_on=today)
    other = add_customer(store, "宁波久远环保科技有限公司", agent="someone")
    add_callback(store, other, "HF202612999", agent="someone", due_on=today)
    store.engine.dispose()
    fix_mode(db)
    return numbers
