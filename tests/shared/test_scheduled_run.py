"""Issue 26 on a real shared install: the scheduled runs, started as cron starts them (root,
``setpriv`` to the service account with the store's group, under ``flock``), act as the system;
the same account reached by a person through sudo acts as that person."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from huifang_tui.core import system
from huifang_tui.install import units
from huifang_tui.services.base import Store
from huifang_tui.store.db import fix_mode
from huifang_tui.store.models import Customer, Sale

from .conftest import TZ


def _sale_for_someone(db) -> str:  # noqa: ANN001
    """As root: a sale two days ago of the customer no test person works (someone's), which the
    planner owes a first callback."""
    from sqlmodel import select

    store = Store("sqlite:///" + str(db))
    now = datetime.now(ZoneInfo(TZ)).replace(tzinfo=None, microsecond=0)
    with store.write() as s:
        cid = s.exec(select(Customer.id).where(Customer.agent_login == "someone")).first()
        s.add(Sale(contract_no="HT-SCHEDULED", customer_id=cid, sold_on=now.date() - timedelta(days=2), updated_at=now))
    store.engine.dispose()
    fix_mode(db)
    return "sale:HT-SCHEDULED"


def _created_by(db, trigger: str) -> list[str]:  # noqa: ANN001
    conn = sqlite3.connect(db)
    try:
        numbers = [n for (n,) in conn.execute("SELECT number FROM callback WHERE trigger_ref = ?", (trigger,))]
        logins = [login for (login, after) in conn.execute(
            "SELECT login, after FROM audit_entry WHERE action = 'plan.create'") if any(n in after for n in numbers)]
    finally:
        conn.close()
    return logins if numbers else []


def test_the_cron_job_plans_as_the_system_and_a_person_through_sudo_as_themselves(shared_install):
    inst = shared_install
    conf = system.load(inst.config)
    text = units.cron_text(conf, ((time(8, 30), time(17, 30)),))
    line = next(ln for ln in text.splitlines() if ln.endswith("logger -t huifang-plan"))
    when_user, command = line.split(None, 6)[:6], line.split(None, 6)[6]
    assert when_user[5] == "root"
    trigger = _sale_for_someone(inst.store)
    command = command.rsplit(" 2>&1 | logger", 1)[0].replace(f"{units.LOCK_DIR}/", f"{inst.root}/")
    cron_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SHELL": "/bin/sh", "HOME": "/root", "LOGNAME": "root",
                "LANG": "C.UTF-8"}
    r = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=cron_env, cwd=inst.root,
                       timeout=120)
    # the service account is no user of the store: only as the system may it plan
    assert (r.returncode, r.stderr) == (0, ""), r.stdout + r.stderr
    assert "规则对账完成" in r.stdout or "Rules reconciled" in r.stdout
    assert _created_by(inst.store, trigger) == ["system"]  # not root, not a person
    # the sender's job too, reading the notify file init created (root:store group 0640) as the system
    line = next(ln for ln in text.splitlines() if ln.endswith("logger -t huifang-notify"))
    command = line.split(None, 6)[6].rsplit(" 2>&1 | logger", 1)[0].replace(f"{units.LOCK_DIR}/", f"{inst.root}/")
    r = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=cron_env, cwd=inst.root,
                       timeout=120)
    assert (r.returncode, r.stderr) == (0, ""), r.stdout + r.stderr
    assert (conf.path.parent / "notify.toml").stat().st_mode & 0o777 == 0o640
    r = inst.sudo(inst.agent, "plan")  # the same account through sudo: the agent, who may not plan
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = inst.sudo(inst.supervisor, "plan")
    assert r.returncode == 0, r.stderr
