"""Phone masking (SPEC §6, seed 003 数据安全; issue 12: landlines keep area code + last 4)."""

import pytest

from huifang_tui.domain.masking import mask_phone


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),             # mobile (SPEC §6 example)
    ("+86 138 1234 5678", "138****5678"),
    ("008613812345678", "138****5678"),
    ("010-12345678", "010****5678"),            # Beijing: 3-digit area code
    ("021 6666 7777", "021****7777"),           # Shanghai
    ("0755-88889999", "0755****9999"),          # Shenzhen: 4-digit area code
    ("075588889999", "0755****9999"),
    ("0311 8765 4321", "0311****4321"),
    ("010-12345678-8001", "010****5678"),       # extension dropped, never shown
    ("021 6666 7777 转 123", "021****7777"),
    ("+86 10 12345678", "010****5678"),
    ("0086-755-88889999", "0755****9999"),
    ("12345678", "****5678"),                   # local number without area code
    ("95588", "***88"),
    ("12", "**"),
    ("", ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone", ["13812345678", "010-12345678", "0755-88889999", "+86 10 12345678"])
def test_the_middle_digits_never_show(phone):
    digits = "".join(c for c in phone if c.isdigit())
    middle = digits[-8:-4]
    assert middle not in mask_phone(phone)
