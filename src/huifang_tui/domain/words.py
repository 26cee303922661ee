"""The code words the doors accept, one list each (issue 22 item 6): argparse's choices, the
services' checks and the screens' cycles all read them here. Nothing imported, so the command
line can build its parsers without loading anything else."""

#: a user's role (SPEC §1), as ``user add --role`` and ``user role`` take it
ROLES: tuple[str, ...] = ("agent", "supervisor", "admin", "sales_manager")
#: an issue's category (SPEC §4 问题跟踪台账: 产品 / 服务 / 需求 / 其他)
ISSUE_CATEGORIES: tuple[str, ...] = ("product", "service", "need", "other")
#: an issue's priority (SPEC §3: 紧急 / 一般 / 低)
ISSUE_PRIORITIES: tuple[str, ...] = ("urgent", "normal", "low")
#: a callback's status (SPEC §7 status words)
CALLBACK_STATUSES: tuple[str, ...] = (
    "open", "waiting_data", "completed", "unreachable", "refused", "cancelled", "lapsed",
)
#: what an agent asks a supervisor for, past a callback's deadline (issue 25 item 5)
REQUEST_KINDS: tuple[str, ...] = ("reschedule", "defer")
#: a request's state: waiting, approved (applied), refused, or stale (the callback changed first)
REQUEST_STATES: tuple[str, ...] = ("pending", "approved", "refused", "stale")
