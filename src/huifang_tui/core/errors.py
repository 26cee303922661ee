"""Refusals the user can act on; ``str()`` is the message shown. No heavy imports here."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal the user can act on."""


class Refused(ServiceError):
    """A permission or a rule refuses the action (the command line exits 2)."""


class PermissionDenied(Refused):
    """A role refusal. ``login``/``what``/``target`` say who was refused what, for the audit log
    (SPEC §6: every refusal is audited); the services write that row."""

    def __init__(self, message: str = "", *, login: str | None = None, role: str = "", what: str = "",
                 target: str = "") -> None:
        super().__init__(message)
        self.login, self.role, self.what, self.target = login, role, what, target
        self.audited = False


class UnknownLogin(PermissionDenied):
    pass


class FileRefused(PermissionDenied):
    """A file a person named may not be used (the store's, a symlink, not a regular file, not
    theirs to write); ``str()`` is the plain message."""


class NotFound(ServiceError):
    pass


class Conflict(Refused):
    """Someone else holds or changed it, or its state does not allow the action."""


class ValidationError(ServiceError):
    """Bad input (a form field, a command-line value): names the field and the fix. Exit 1."""


class SchemaMismatch(ServiceError):
    """The database's schema revision is not this code's (``huifang db upgrade``); exit 1."""


class NeedsSupervisor(Refused):
    """Moving a callback past its deadline (a 改约 or a deferral) needs a supervisor (issue 25
    item 5): the command line exits 2; the screens offer to ask one (``services.requests``).
    ``kind`` is reschedule or defer, ``number`` the callback, ``wanted`` the time asked for, and
    ``deadline`` the deadline as the message names it."""

    def __init__(self, message: str, *, kind: str, number: str, wanted: object, deadline: str) -> None:
        super().__init__(message)
        self.kind, self.number, self.wanted, self.deadline = kind, number, wanted, deadline


class MonthLocked(Refused):
    """A change dated in a signed-off month (issue 11 §4); the command line exits 2."""


class IssueInputError(ServiceError):
    """Bad input to the issue ledger or its departments (names the field and the fix): exit status 1."""


class IssueRefused(Conflict):
    """A rule of the issue ledger refuses the action (e.g. closing without the customer's satisfaction): exit 2."""
