"""Issue 21, 5 on a real shared install: what a person may type ends in one plain line.

``huifang init`` by an agent (someone else's store), ``--db`` or ``HUIFANG_DATABASE_URL``
naming the store or a file under its directory (which the person cannot enter), the same from
someone outside the agents' group: exit 1 or 2, one or two plain lines, never a traceback.
The rest of the sweep, without a shared install, is tests/cli/test_hostile_paths.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest


def _cases(inst) -> list[tuple[str, str, list[str], dict]]:  # noqa: ANN001
    store, under = str(inst.store), str(inst.store.parent / "planted.db")
    out = []
    for who in (inst.agent, inst.outsider):
        out += [
            (f"init by {who}", who, ["init"], {}),
            (f"init --db store by {who}", who, ["--db", store, "init"], {}),
            (f"init --db under the store's folder by {who}", who, ["--db", under, "init"], {}),
            (f"demo --db store by {who}", who, ["--db", store, "demo", "--no-open", "--customers", "2"], {}),
            (f"queue --db under the store's folder by {who}", who, ["--db", under, "queue"], {}),
            (f"queue with HUIFANG_DATABASE_URL under the store's folder by {who}", who, ["queue"],
             {"HUIFANG_DATABASE_URL": under}),
            (f"db check --db store by {who}", who, ["--db", store, "db", "check"], {}),
        ]  # (the app itself with --db: the elevated process ignores --db and opens the store)
    return out


def test_hostile_stores_on_a_shared_install_end_in_one_plain_line(shared_install):
    inst = shared_install
    cases = _cases(inst)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: inst.run(c[1], *c[2], env=c[3]), cases))
    problems = []
    for (label, _who, argv, _env), r in zip(cases, results, strict=True):
        text = r.stdout + r.stderr
        if r.returncode not in (0, 1, 2) or "Traceback" in text or (r.returncode and not r.stderr.strip()):
            problems.append(f"{label}: exit {r.returncode}, argv {argv}\n{text[-1500:]}")
        elif r.returncode and len(r.stderr.strip().splitlines()) > 2:
            problems.append(f"{label}: more than two lines\n{r.stderr[-1500:]}")
    assert not problems, "\n".join(problems)
    assert inst.store.exists() and not (inst.store.parent / "planted.db").exists()


@pytest.mark.parametrize("cmd", [["init"], ["--db", "{store}", "init"]])
def test_init_by_an_agent_is_refused_in_one_line(shared_install, cmd):
    """``huifang init`` by an agent names the shared store (someone else's file): refused or
    explained in one plain line, the store untouched."""
    inst = shared_install
    before = inst.store.stat().st_mtime_ns
    r = inst.run(inst.agent, *[c.format(store=inst.store) for c in cmd])
    assert r.returncode in (1, 2), (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    assert 1 <= len(r.stderr.strip().splitlines()) <= 2, r.stderr
    assert inst.store.stat().st_mtime_ns == before
