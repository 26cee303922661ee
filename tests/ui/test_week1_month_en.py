"""The tests of test_week1_month.py with the English catalog: run by
``test_week1_month.test_in_english`` in a process of its own (``HUIFANG_TEST_LANG=en``); skipped in
the zh_CN test process. The child writes the month and yearly screens as SVG; the parent compares
them with the snapshots."""

from __future__ import annotations

from .english_run import english_only
from .test_week1_month import (  # noqa: F401 - collected here again, in English
    _zh_catalog,
    late_desk,
    test_a_late_entry_shows_in_its_column_and_still_fits,
    test_a_short_terminal_reaches_december_by_key,
    test_an_agent_is_not_offered_approval_or_spot_checks,
    test_i_is_other_call_or_visit_on_the_key_bar_and_f1,
    test_month_headers_are_the_forms_words_and_fit_at_80,
    test_take_screens,
    test_the_yearly_view_shows_december_at_80x24,
)

pytestmark = english_only("test_week1_month.test_in_english")
