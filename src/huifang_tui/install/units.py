"""The scheduler of the shared install (issue 26): systemd service and timer units for the
planner (``huifang plan``, every half hour across the working day) and the notification
sender (``huifang notify run``, every minute), and the same two jobs as an ``/etc/cron.d`` file
for a machine without systemd.

Both start ``<venv>/bin/python -I -m huifang_tui …`` as the service account with the store's
group and nothing of a person's (no sudo): that process alone acts as the system
(``cli.context.runs_as_service``). systemd never starts a unit again while it still runs; in
cron ``flock -n`` skips a run while the previous one is still going.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import time
from pathlib import Path

from ..core import system
from ..core.i18n import t
from ..domain.schedule import hour_ranges, plan_hours

SYSTEMD_DIR = Path("/etc/systemd/system")
SYSTEMD_RUNNING = Path("/run/systemd/system")  # present only when systemd is the init system
CRON_FILE = Path("/etc/cron.d/huifang")
# The cron jobs' locks: in /run itself, where only root creates files. /run/lock is writable by
# everyone (1777): any person could create and hold the lock there, and every run would skip.
LOCK_DIR = Path("/run")
PLAN, NOTIFY = "huifang-plan", "huifang-notify"
TIMERS = (f"{PLAN}.timer", f"{NOTIFY}.timer")
# The command line of each job, after ``<python> -I -m huifang_tui``.
JOBS = {PLAN: ("plan",), NOTIFY: ("notify", "run")}
HOMES = (Path("/home"), Path("/root"), Path("/run/user"))  # hidden by ProtectHome=yes
TMPS = (Path("/tmp"), Path("/var/tmp"))  # private to the unit with PrivateTmp=yes


def command(conf: system.SystemConfig, job: str) -> str:
    """The job's command line (the interpreter quoted if it must be: systemd and sh read
    single quotes alike)."""
    import shlex

    return " ".join([shlex.quote(str(conf.python)), "-I", "-m", "huifang_tui", *JOBS[job]])


def units(conf: system.SystemConfig, work_hours: Sequence[tuple[time, time]]) -> dict[str, str]:
    """The four unit files by name: ``huifang-plan.service`` + ``.timer``,
    ``huifang-notify.service`` + ``.timer``."""
    zone = f" {conf.timezone}" if conf.timezone else ""
    plan_calendar = "".join(f"OnCalendar=*-*-* {hour_ranges(hours, '..')}:{minute:02d}:00{zone}\n"
                            for minute, hours in plan_hours(work_hours).items())
    return {
        f"{PLAN}.service": _service(conf, PLAN, "plan callbacks from the facts (huifang plan)",
                                    network=False, timeout="30min"),
        f"{PLAN}.timer": (
            "# Written by huifang init --shared: the planner every half hour across the working day\n"
            "# (the policy's work_hours when this file was written; run init --shared --install again\n"
            "# after changing them).\n"
            "[Unit]\n"
            "Description=huifang: plan callbacks every half hour across the working day\n"
            "\n"
            "[Timer]\n"
            f"{plan_calendar}"
            "Persistent=true\n"
            "AccuracySec=1min\n"
            f"Unit={PLAN}.service\n"
            "\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        ),
        f"{NOTIFY}.service": _service(conf, NOTIFY, "send the notifications that are due (huifang notify run)",
                                      network=True, timeout="15min"),
        f"{NOTIFY}.timer": (
            "# Written by huifang init --shared: the notification sender every minute.\n"
            "[Unit]\n"
            "Description=huifang: send the notifications that are due, every minute\n"
            "\n"
            "[Timer]\n"
            "OnCalendar=*-*-* *:*:00\n"
            "AccuracySec=1s\n"
            f"Unit={NOTIFY}.service\n"
            "\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        ),
    }


def _service(conf: system.SystemConfig, job: str, what: str, *, network: bool, timeout: str) -> str:
    # what the unit must see (the venv, the store) is never hidden by the hardening
    home = "read-only" if _any_under(conf, HOMES) else "yes"
    private_tmp = "no" if _any_under(conf, TMPS) else "yes"
    after = "Wants=network-online.target\nAfter=network-online.target\n" if network else ""
    return (
        f"# Written by huifang init --shared: started by {job}.timer as the service account with the\n"
        "# store's group (never through sudo: this process alone acts as the system).\n"
        "[Unit]\n"
        f"Description=huifang: {what}\n"
        f"{after}"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"User={conf.service_user}\n"
        f"Group={conf.store_group}\n"
        "UMask=0007\n"
        f"ExecStart={command(conf, job)}\n"
        f"TimeoutStartSec={timeout}\n"
        f"SyslogIdentifier={job}\n"
        "NoNewPrivileges=yes\n"
        "ProtectSystem=strict\n"
        f"ReadWritePaths={conf.store_dir}\n"
        f"ProtectHome={home}\n"
        f"PrivateTmp={private_tmp}\n"
        "PrivateDevices=yes\n"
        "ProtectKernelTunables=yes\n"
        "ProtectKernelModules=yes\n"
        "ProtectKernelLogs=yes\n"
        "ProtectControlGroups=yes\n"
        "ProtectClock=yes\n"
        "ProtectHostname=yes\n"
        "RestrictSUIDSGID=yes\n"
        "RestrictRealtime=yes\n"
        "RestrictNamespaces=yes\n"
        "LockPersonality=yes\n"
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"
        "CapabilityBoundingSet=\n"
    )


def _any_under(conf: system.SystemConfig, tops: Sequence[Path]) -> bool:
    return any(p == top or top in p.parents for p in (conf.python, conf.store_dir) for top in tops)


def cron_text(conf: system.SystemConfig, work_hours: Sequence[tuple[time, time]]) -> str:
    """``/etc/cron.d/huifang``: the same two jobs where systemd does not run (use one or the
    other). cron has no group field and the service account is in no group of the store's, so
    root starts each job as that account with the store's group (``setpriv``); ``flock -n``
    skips a run while the previous one still holds its lock."""
    lines = [
        "# /etc/cron.d/huifang, written by huifang init --shared: the planner every half hour across",
        "# the working day and the notification sender every minute. The alternative to the systemd",
        "# timers huifang-plan.timer and huifang-notify.timer: install one or the other, not both.",
        "SHELL=/bin/sh",
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    ]
    if conf.timezone:  # cronie reads it; Debian's cron keeps the machine's zone (init's default)
        lines.append(f"CRON_TZ={conf.timezone}")
    for minute, hours in plan_hours(work_hours).items():
        lines.append(f"{minute} {hour_ranges(hours, '-')} * * * root {_cron_job(conf, PLAN)}")
    lines.append(f"* * * * * root {_cron_job(conf, NOTIFY)}")
    return "\n".join(lines) + "\n"


def _cron_job(conf: system.SystemConfig, job: str) -> str:
    return (f"flock -n {LOCK_DIR / (job + '.lock')} setpriv --reuid={conf.service_user} "
            f"--regid={conf.store_group} --clear-groups --no-new-privs {command(conf, job)} "
            f"2>&1 | logger -t {job}")


def install(conf: system.SystemConfig, work_hours: Sequence[tuple[time, time]], lines: list[str],
            run: Callable[[list[str]], None]) -> None:
    """``init --shared --install``: the units written to /etc/systemd/system (root-owned,
    0644, each replaced whole); the timers enabled and started when systemd runs here (``run``
    runs a command or raises), else said so. The units and the cron alternative are printed
    either way."""
    texts = units(conf, work_hours)
    SYSTEMD_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        write_root_file(SYSTEMD_DIR / name, text, 0o644)
    lines.append(t("schedule.units_written", dir=SYSTEMD_DIR, names=", ".join(texts)))
    if SYSTEMD_RUNNING.is_dir():
        run(["systemctl", "daemon-reload"])
        run(["systemctl", "enable", "--now", *TIMERS])
        lines.append(t("schedule.timers_started", timers=" ".join(TIMERS)))
    else:
        lines.append(t("schedule.no_systemd", timers=" ".join(TIMERS), cron=CRON_FILE))
    lines.extend(show(conf, work_hours))


def show(conf: system.SystemConfig, work_hours: Sequence[tuple[time, time]]) -> list[str]:
    """The unit files and the cron alternative as printed."""
    out = []
    for name, text in units(conf, work_hours).items():
        out += [t("schedule.file", path=SYSTEMD_DIR / name), text.rstrip("\n"), ""]
    out += [t("schedule.cron_alternative", path=CRON_FILE), cron_text(conf, work_hours).rstrip("\n")]
    return out


def steps(conf: system.SystemConfig, work_hours: Sequence[tuple[time, time]]) -> list[str]:
    """What ``--install`` would do for the scheduler, as commands for root to run."""
    out = []
    for name, text in units(conf, work_hours).items():
        out.append(f"  cat > {SYSTEMD_DIR / name} <<'EOF'\n{text}EOF")
    out += [
        "  systemctl daemon-reload",
        f"  systemctl enable --now {' '.join(TIMERS)}",
        "  " + t("schedule.cron_instead", path=CRON_FILE),
        f"  cat > {CRON_FILE} <<'EOF'\n{cron_text(conf, work_hours)}EOF",
    ]
    return out


def write_root_file(path: Path, text: str, mode: int, gid: int = 0, *, replace: bool = True) -> bool:
    """``text`` as ``path``, root-owned with ``mode`` and group ``gid``, put in place whole (a
    temporary file beside it, then renamed). ``replace=False`` keeps a file already there
    (False returned) and never writes through a link."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chown(tmp, 0, gid)
        os.chmod(tmp, mode)
        if replace:
            tmp.replace(path)
            return True
        try:
            os.link(tmp, path)  # fails when anything is there already
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)
