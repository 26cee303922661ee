"""The command line's one exception → exit-status map (``cli/exits.py``) and its command table
(``cli/commands.py``): every command reaches a handler, and every error its status."""

from __future__ import annotations

import pytest

from huifang_tui.cli import commands
from huifang_tui.cli.exits import EXIT_BAD_INPUT, EXIT_REFUSED, exit_status
from huifang_tui.core import errors


@pytest.mark.parametrize(("error", "status"), [
    (errors.Refused("x"), EXIT_REFUSED),
    (errors.PermissionDenied("x"), EXIT_REFUSED),
    (errors.UnknownLogin("x"), EXIT_REFUSED),
    (errors.FileRefused("x"), EXIT_REFUSED),
    (errors.Conflict("x"), EXIT_REFUSED),
    (errors.MonthLocked("x"), EXIT_REFUSED),
    (errors.ServiceError("x"), EXIT_BAD_INPUT),
    (errors.ValidationError("x"), EXIT_BAD_INPUT),
    (errors.NotFound("x"), EXIT_BAD_INPUT),
    (errors.SchemaMismatch("x"), EXIT_BAD_INPUT),
])
def test_refusals_exit_2_and_bad_input_1(error, status):
    assert exit_status(error) == status


def test_errors_of_the_services_take_their_place_in_the_map():
    from huifang_tui.services.imports import ImportRejected  # noqa: F401 - a ServiceError
    from huifang_tui.services.migrate_to import TargetNotEmpty
    from huifang_tui.services.report import BadMonth

    assert exit_status(TargetNotEmpty("x")) == EXIT_REFUSED  # migrate-to: the target holds tables
    assert exit_status(BadMonth("x")) == EXIT_BAD_INPUT


@pytest.mark.parametrize("error", [OSError(5, "I/O error"), ValueError("x"), KeyboardInterrupt(), BrokenPipeError()])
def test_anything_else_is_not_in_the_map(error):
    """Failures around the program are explained by core.crash (exit 1), not read as a refusal."""
    assert exit_status(error) is None


def test_every_command_has_a_handler_in_its_module():
    names = [name for name, _module in commands.COMMANDS]
    assert len(names) == len(set(names))
    for name in names:
        assert callable(commands.handler(name)), name
