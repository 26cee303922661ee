"""The bounds of ``domain.limits`` as the services enforce them: one refusal, exit 1, naming the
field and the limit. Every service that stores text a person typed calls ``bound``."""

from __future__ import annotations

from collections.abc import Mapping

from ..domain.limits import NAME_MAX, TEXT_MAX, TooLong, first_too_long
from ..core.errors import ValidationError


def too_long_message(e: TooLong) -> str:
    from ..core.i18n import t, t_or

    return t("limits.too_long", field=t_or(f"limits.field.{e.field}", e.field), length=e.length, limit=e.limit)


def problem(texts: Mapping[str, str | None] | None = None, names: Mapping[str, str | None] | None = None,
            ) -> TooLong | None:
    """The first free text over ``TEXT_MAX`` or name over ``NAME_MAX``, else None."""
    return first_too_long(texts or {}, TEXT_MAX) or first_too_long(names or {}, NAME_MAX)


def bound_to(texts: Mapping[str, str | None], limit: int, error: type[Exception] = ValidationError) -> None:
    """Refuse the first of ``texts`` over ``limit`` characters (a bound of its own, e.g. a draft)."""
    e = first_too_long(texts, limit)
    if e is not None:
        raise error(too_long_message(e))


def bound(texts: Mapping[str, str | None] | None = None, names: Mapping[str, str | None] | None = None,
          error: type[Exception] = ValidationError) -> None:
    """Refuse (``error``, exit 1) the first free text or name over its limit."""
    e = problem(texts, names)
    if e is not None:
        raise error(too_long_message(e))
