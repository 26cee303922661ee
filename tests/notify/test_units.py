"""The scheduler of the shared install (issue 26): the systemd units and the cron file that run
``huifang plan`` every half hour across the working day and ``huifang notify run`` every
minute as the service account, written by ``huifang init --shared`` with the notify file."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import subprocess
from datetime import time
from pathlib import Path

import pytest

from huifang_tui import cli
from huifang_tui.core import system
from huifang_tui.domain.schedule import hour_ranges, next_plan_at, plan_hours, plan_times
from huifang_tui.install import units

HOURS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))  # data/policy.toml
ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
needs_analyze = pytest.mark.skipif(not os.access(ANALYZE, os.X_OK), reason="systemd-analyze is missing")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (creates groups, root-owned files)")


def _conf(tmp_path: Path, *, timezone: str = "Asia/Shanghai") -> system.SystemConfig:
    """A shared install whose interpreter is a real executable file (systemd-analyze checks it)."""
    py = tmp_path / "venv" / "bin" / "python"
    py.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2("/bin/true", py)
    (tmp_path / "srv").mkdir(exist_ok=True)
    return system.SystemConfig(path=tmp_path / "etc" / "config.toml", database=tmp_path / "srv" / "huifang.db",
                               store_group="huifang-db", agents_group="agents", python=py, timezone=timezone,
                               service_user="huifang-svc")


def _keys(text: str) -> list[tuple[str, str]]:
    return [tuple(line.split("=", 1)) for line in text.splitlines() if "=" in line and not line.startswith("#")]


def test_the_planner_runs_every_half_hour_across_the_working_day():
    times = plan_times(HOURS)
    assert times[0] == time(8, 30) and times[-1] == time(17, 30) and len(times) == 19
    assert time(12, 30) in times  # the lunch break is not left out
    assert plan_hours(HOURS) == {0: tuple(range(9, 18)), 30: tuple(range(8, 18))}
    assert hour_ranges((8, 10, 11, 12), "..") == "08,10..12" and hour_ranges((8, 10, 11, 12), "-") == "8,10-12"
    from datetime import datetime

    assert next_plan_at(datetime(2026, 11, 23, 9, 10), HOURS) == datetime(2026, 11, 23, 9, 30)
    assert next_plan_at(datetime(2026, 11, 23, 17, 30), HOURS) == datetime(2026, 11, 24, 8, 30)
    assert plan_times(((time(7, 45), time(9, 0)),)) == (time(7, 30), time(8, 0), time(8, 30), time(9, 0))
    assert next_plan_at(datetime(2026, 11, 23, 9, 10), ()) is None


SHARED = system.SystemConfig(path=Path("/etc/huifang/config.toml"), database=Path("/srv/huifang/huifang.db"),
                             store_group="huifang-db", agents_group="agents",
                             python=Path("/opt/huifang/venv/bin/python"), timezone="Asia/Shanghai",
                             service_user="huifang-svc")


def test_units_run_the_two_jobs_as_the_service_account_with_the_stores_group():
    texts = units.units(SHARED, HOURS)
    assert sorted(texts) == ["huifang-notify.service", "huifang-notify.timer", "huifang-plan.service",
                             "huifang-plan.timer"]
    for job, argv in (("huifang-plan", "plan"), ("huifang-notify", "notify run")):
        keys = _keys(texts[f"{job}.service"])
        assert ("Type", "oneshot") in keys and ("User", "huifang-svc") in keys and ("Group", "huifang-db") in keys
        assert ("ExecStart", f"/opt/huifang/venv/bin/python -I -m huifang_tui {argv}") in keys
        assert ("NoNewPrivileges", "yes") in keys and ("ProtectSystem", "strict") in keys
        assert ("ReadWritePaths", "/srv/huifang") in keys and ("PrivateTmp", "yes") in keys
        assert ("ProtectHome", "yes") in keys
        assert ("Unit", f"{job}.service") in _keys(texts[f"{job}.timer"])
        assert ("WantedBy", "timers.target") in _keys(texts[f"{job}.timer"])
    assert [v for k, v in _keys(texts["huifang-plan.timer"]) if k == "OnCalendar"] == [
        "*-*-* 09..17:00:00 Asia/Shanghai", "*-*-* 08..17:30:00 Asia/Shanghai"]
    assert [v for k, v in _keys(texts["huifang-notify.timer"]) if k == "OnCalendar"] == ["*-*-* *:*:00"]
    assert ("After", "network-online.target") in _keys(texts["huifang-notify.service"])
    # what the unit must reach is never hidden by the hardening: a venv under /home, a store in /tmp
    home = units.units(system.SystemConfig(**{**SHARED.__dict__, "python": Path("/home/it/venv/bin/python")}), HOURS)
    assert ("ProtectHome", "read-only") in _keys(home["huifang-plan.service"])
    tmp = units.units(system.SystemConfig(**{**SHARED.__dict__, "database": Path("/tmp/hf/huifang.db")}), HOURS)
    assert ("PrivateTmp", "no") in _keys(tmp["huifang-notify.service"])


@needs_analyze
def test_units_pass_systemd_analyze_verify(tmp_path):
    conf = _conf(tmp_path)
    names = []
    for name, text in units.units(conf, HOURS).items():
        (tmp_path / name).write_text(text)
        names.append(f"./{name}")
    r = subprocess.run([ANALYZE, "verify", "--man=no", *names], capture_output=True, text=True, cwd=tmp_path)
    # systemd-analyze only warns of a directive it cannot read (exit 0): nothing may be said
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@needs_analyze
def test_the_timer_fires_at_exactly_the_planner_times(tmp_path):
    """systemd's own reading of the OnCalendar lines: the next day's firings, in the zone of
    the lines, are the half hours of plan_times."""
    texts = units.units(_conf(tmp_path, timezone=""), HOURS)
    specs = [v for k, v in _keys(texts["huifang-plan.timer"]) if k == "OnCalendar"]
    fired = set()
    for spec in specs:  # a day and more of firings of each line
        r = subprocess.run([ANALYZE, "calendar", "--iterations=30", spec], capture_output=True, text=True,
                           env={**os.environ, "TZ": "UTC", "LANG": "C"})
        assert r.returncode == 0 and r.stderr == "", r.stderr
        fired |= set(re.findall(r"\d{4}-\d\d-\d\d (\d\d:\d\d):00 UTC", r.stdout))
    assert fired == {t.strftime("%H:%M") for t in plan_times(HOURS)}


def test_cron_file_runs_each_job_as_the_service_account_with_the_stores_group_under_flock(tmp_path):
    conf = _conf(tmp_path)
    text = units.cron_text(conf, HOURS)
    assert "CRON_TZ=Asia/Shanghai" in text.splitlines()
    jobs = [line.split(None, 6) for line in text.splitlines() if line and line[0] in "0123456789*"]
    assert [j[:6] for j in jobs] == [["0", "9-17", "*", "*", "*", "root"], ["30", "8-17", "*", "*", "*", "root"],
                                     ["*", "*", "*", "*", "*", "root"]]
    for (*_when, command), job, argv in zip(jobs, ("plan", "plan", "notify"), ("plan", "plan", "notify run")):
        assert command.startswith(f"flock -n /run/huifang-{job}.lock setpriv --reuid=huifang-svc "
                                  "--regid=huifang-db --clear-groups --no-new-privs ")
        assert f"{conf.python} -I -m huifang_tui {argv} 2>&1 | logger -t huifang-{job}" in command
        # only root may create the lock: a person holding it would make every run skip in silence
        lock_dir = os.path.dirname(command.split()[2])
        assert os.path.isdir(lock_dir) and not os.stat(lock_dir).st_mode & 0o022, lock_dir


def test_install_writes_the_units_and_starts_the_timers_only_where_systemd_runs(tmp_path, monkeypatch):
    conf = _conf(tmp_path)
    monkeypatch.setattr(units, "SYSTEMD_DIR", tmp_path / "systemd")
    monkeypatch.setattr(units, "SYSTEMD_RUNNING", tmp_path / "run-systemd")
    ran: list[list[str]] = []
    lines: list[str] = []
    if os.geteuid() != 0:
        monkeypatch.setattr(os, "chown", lambda *a: None)  # root-owned is what root gets
    units.install(conf, HOURS, lines, ran.append)
    assert ran == []  # no systemd here: nothing enabled, and it says so
    assert any("没有运行 systemd" in line for line in lines)
    for name, text in units.units(conf, HOURS).items():
        f = tmp_path / "systemd" / name
        assert f.read_text() == text and stat.S_IMODE(f.stat().st_mode) == 0o644
        assert text.rstrip("\n") in "\n".join(lines)  # printed too
    assert units.cron_text(conf, HOURS).rstrip("\n") in "\n".join(lines)
    (tmp_path / "run-systemd").mkdir()
    units.install(conf, HOURS, lines, ran.append)
    assert ran == [["systemctl", "daemon-reload"],
                   ["systemctl", "enable", "--now", "huifang-plan.timer", "huifang-notify.timer"]]


@needs_root
def test_init_shared_creates_the_notify_file_for_the_service_only_and_never_overwrites_it(tmp_path, capsys):
    from huifang_tui.channels.config import example_text

    from shared import osusers

    agents, store_group = f"hfag{secrets.token_hex(3)}", f"hfdb{secrets.token_hex(3)}"
    osusers.add_group(agents)
    try:
        argv = ["init", "--shared", str(tmp_path / "srv"), "--group", agents, "--store-group", store_group,
                "--admin", "root"]
        assert cli.main(argv) == 0
        out = capsys.readouterr().out
        conf = system.load()
        notify = conf.path.parent / "notify.toml"
        st = notify.stat()
        import grp

        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, grp.getgrnam(store_group).gr_gid, 0o640)
        assert notify.read_text() == example_text()
        assert str(notify) in out
        # without --install the steps include the units and the cron alternative, for this install
        for name, text in units.units(conf, HOURS).items():
            assert f"cat > /etc/systemd/system/{name} <<'EOF'\n{text}EOF" in out
        assert "systemctl enable --now huifang-plan.timer huifang-notify.timer" in out
        assert units.cron_text(conf, HOURS) in out
        notify.write_text('[channel.gm]\ntype = "wecom"\n')
        assert cli.main(argv) == 0
        assert notify.read_text() == '[channel.gm]\ntype = "wecom"\n'  # the admin's file kept
        assert "未改动" in capsys.readouterr().out
    finally:
        osusers.remove_group(agents)
        osusers.remove_group(store_group)
