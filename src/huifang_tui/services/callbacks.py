"""Working a callback (SPEC §3, §4): one module per concern, re-exported here.

- ``calls``: opening a call, the call card, claims (a claim covers the customer)
- ``drafts``: what is typed, saved as typed
- ``recording``: attempts and outcomes, deferral
- ``assignment``: who works a callback
- issues raised from a call: ``services.issues``
"""

from __future__ import annotations

from .assignment import assign  # noqa: F401
from .base import ServiceError, ValidationError  # noqa: F401
from .calls import CallView, ClaimedElsewhere, Pulse, heartbeat, open_call, reclaim, release  # noqa: F401
from .calls import get_callback as _get  # noqa: F401
from .calls import may_work as _may_work  # noqa: F401
from .calls import workable as _workable  # noqa: F401
from .drafts import discard_draft, save_draft  # noqa: F401
from .drafts import drop_draft as _drop_draft  # noqa: F401
from .recording import AttemptResult, CallRecord, defer, outcome_message, record_attempt, validate  # noqa: F401
