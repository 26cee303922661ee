"""Refusals the user can act on; ``str()`` is the message shown. No heavy imports here."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal the user can act on."""


class PermissionDenied(ServiceError):
    pass


class UnknownLogin(PermissionDenied):
    pass


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class SchemaMismatch(ServiceError):
    """The database's schema revision is not this code's (``huifang db upgrade``); exit 1."""
