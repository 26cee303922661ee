"""The tests of test_week1_call.py with the English catalog: run by ``test_week1_call.test_in_english``
in a process of its own (``HUIFANG_TEST_LANG=en``); skipped in the zh_CN test process. The child
writes the call screens as SVG; the parent compares them with the snapshots."""

from __future__ import annotations

from .english_run import english_only
from .test_week1_call import (  # noqa: F401 - collected here again, in English
    _zh_catalog,
    locked,
    test_a_field_message_cut_beside_its_field_is_shown_whole_below,
    test_a_notice_covers_no_field_of_the_form,
    test_a_section_longer_than_the_card_pages_down_before_moving_on,
    test_every_card_section_is_reached_by_f2_with_the_focus_kept,
    test_script_and_card_wrap_by_the_rules_and_again_on_resize,
    test_take_screens,
    test_the_record_forms_lock_message_is_shown_whole_at_80x24,
)

pytestmark = english_only("test_week1_call.test_in_english")
