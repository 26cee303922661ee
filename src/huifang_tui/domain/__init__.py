"""The pure rules of callback work: calendar, scheduling, outcomes, record fields, KPIs, limits.

No UI, no database, no clock, no I/O (``tests/domain/test_hygiene.py`` and the import contract):
time comes in as an argument, refusals carry a ``code`` the services word."""
