"""``python -m huifang_tui.cli …``: the command line, as before the package was split."""

from . import main

raise SystemExit(main())
