"""The importing package reads and checks files only: it never imports the services, the store
or the ORM (issue 13), so it can be tested and reused on its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import huifang_tui

SRC = Path(huifang_tui.__file__).resolve().parents[1]


def test_importing_needs_no_services_store_or_orm():
    code = (
        "import json, sys\n"
        "import huifang_tui.importing, huifang_tui.importing.table, huifang_tui.importing.encoding\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('huifang_tui.services', "
        "'huifang_tui.store', 'sqlmodel', 'sqlalchemy')))))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == []


def test_importing_errors_are_its_own():
    from huifang_tui.core.errors import ServiceError
    from huifang_tui.importing import FieldError, ImportFileError

    assert ImportFileError.__module__ == "huifang_tui.importing.errors" and issubclass(ImportFileError, ServiceError)
    assert FieldError.__module__ == "huifang_tui.importing.errors"
