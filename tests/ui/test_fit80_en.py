"""The tests of test_fit80.py with the English catalog: run by ``test_fit80.test_in_english`` in a
process of its own (``HUIFANG_TEST_LANG=en``); skipped in the zh_CN test process. The child
writes the queue and call screens as SVG; the parent compares them with the snapshots."""

from __future__ import annotations

from .english_run import english_only
from .test_fit80 import (  # noqa: F401 - collected here again, in English
    _zh_catalog,
    test_board_names_and_alerts_at_80,
    test_every_key_of_a_supervisor_is_visible_or_on_f1,
    test_every_dialog_answers_f1_and_names_its_keys,
    test_every_key_of_an_agent_is_visible_or_on_f1,
    test_fit_leaves_out_in_the_given_order,
    test_fit_uses_short_labels_then_leaves_out_the_least_important,
    test_header_at_80_shows_a_long_name_deliberately,
    test_header_gives_way_in_order,
    test_ledger_status_and_level_in_short_forms_at_80,
    test_ledger_words_whole_when_wider,
    test_queue_columns_fit_at_80,
    test_take_screens,
)

pytestmark = english_only("test_fit80.test_in_english")
