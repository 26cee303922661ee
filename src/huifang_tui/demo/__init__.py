"""Demo database for ``huifang demo`` (fictional data from ``data/demo/*.toml``).

- ``templates``: where the demo lives and the fictional names it draws from
- ``generate``: the centre's facts and six months of completed callbacks, on the store's own
  ``WorkCalendar`` (PRC holidays, 调休, admin overrides)
- ``build``: writes them; users, the company name and the open work go through ``services``
  (``users.add_user``, ``calendar.set_company_name``, the planner)
- ``issues``: a few ledger entries in every state, through ``services.issues``
"""

from __future__ import annotations

from .build import DemoSummary, build_demo
from .templates import DEMO_COMPANY, demo_path, load_templates, templates_dir

__all__ = ["DEMO_COMPANY", "DemoSummary", "build_demo", "demo_path", "load_templates", "templates_dir"]
