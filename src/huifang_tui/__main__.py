"""``python -I -m huifang_tui …``: the entry the shared install's sudoers rule allows.

The process is made non-dumpable with no core file before anything else runs; ``cli.main``
then decides whether it is the locked (elevated) process (see ``system.py``).
"""

from huifang_tui import system

system.enter_main()

from huifang_tui.cli import main  # noqa: E402

raise SystemExit(main())
