"""The command line's own bound (issue 21 §3): no single value over ``domain.limits.ARG_MAX``
characters reaches a command. The services bound each field they store as well; this refuses
a huge argument before any work is done, naming the option. Standard library only (start-up)."""

from __future__ import annotations

from collections.abc import Sequence


def too_long_argument(argv: Sequence[str]) -> tuple[str, int] | None:
    """(the option or argument named, its value's length) of the first value over the bound."""
    from ..domain.limits import ARG_MAX

    for i, arg in enumerate(argv):
        value = arg
        if arg.startswith("--") and "=" in arg:
            name, _, value = arg.partition("=")  # --note=…: the value alone counts
        elif i > 0 and argv[i - 1].startswith("-") and "=" not in argv[i - 1]:
            name = argv[i - 1]  # --note … (or a flag before a positional: named by the flag)
        else:
            name = f"#{i + 1}"  # a positional argument, by its place on the line
        if len(value) > ARG_MAX:
            return name, len(value)
    return None


def check_argv(argv: Sequence[str]) -> None:
    """Refuse (``ValidationError``, exit 1) a command line with a value over ``ARG_MAX`` characters."""
    found = too_long_argument(argv)
    if found is None:
        return
    from ..domain.limits import ARG_MAX
    from ..core.errors import ValidationError
    from ..core.i18n import t

    option, length = found
    raise ValidationError(t("limits.arg_too_long", option=option, length=length, limit=ARG_MAX))
