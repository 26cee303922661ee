"""The domain layer stays pure: no UI or database libraries get imported (SPEC §3)."""

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import huifang_tui.domain as domain

SRC = Path(domain.__file__).resolve().parents[2]
FORBIDDEN = ("textual", "rich", "sqlmodel", "sqlalchemy")


def test_domain_imports_no_ui_or_database_library():
    names = [f"huifang_tui.domain.{m.name}" for m in pkgutil.iter_modules(domain.__path__)]
    assert {"huifang_tui.domain.calendar", "huifang_tui.domain.rules"} <= set(names)
    code = (
        "import importlib, json, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == []


def test_domain_never_reads_the_clock():
    for path in Path(domain.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("date.today(", "datetime.now(", "datetime.today(", "time.time(", "open("):
            assert banned not in text, f"{path.name} uses {banned}"
