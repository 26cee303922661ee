"""``python -I -m huifang_tui …``: the entry the shared install's sudoers rule allows.

The process is made non-dumpable with no core file before anything else runs; ``cli.main``
then decides whether it is the locked (elevated) process (see ``system.py``). If that first
step fails, the process stops (exit 2, refused) with one plain line rather than run unhardened
or print a traceback (issue 21).
"""

import sys

try:
    from huifang_tui.core import system

    system.enter_main()
except Exception as e:  # noqa: BLE001
    try:  # no error log: this may be the elevated process, which writes nothing of the person's
        from huifang_tui.core.crash import last_words

        line = last_words(e)
    except Exception:  # noqa: BLE001
        line = "huifang: error"
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001, S110
        pass
    raise SystemExit(2) from None

from huifang_tui.cli import main  # noqa: E402

raise SystemExit(main())
