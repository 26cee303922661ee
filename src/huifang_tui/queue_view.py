"""Queue rows as the screens and the command line see them.

The row type, the order and the role queues are pure rules (``domain.queue``); masking is
``safe.mask_phone``; claim liveness is ``store.claims``. Re-exported here for the views.
"""

from __future__ import annotations

from .domain.queue import ALERT_DAYS, ROLE_QUEUES, Progress, QueueRow, order_queue
from .safe import mask_phone

__all__ = ["ALERT_DAYS", "ROLE_QUEUES", "Progress", "QueueRow", "mask_phone", "order_queue"]
