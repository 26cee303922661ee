"""Message-catalog consistency: zh_CN and en have the same keys and placeholders, and every
key the code asks for exists in zh_CN.

Catalogs are read straight from the TOML files (not via ``catalog()``'s cache) so a key
added in one language shows up here with the exact text to add to the other.
"""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from huifang_tui.core import i18n

I18N = Path(i18n.__file__).parent
SRC = I18N.parent  # src/huifang_tui

# t("some.key") with a plain string literal (either quote style, may wrap onto the next line).
# \b keeps print("...") and similar from matching; f-strings don't match because of the f.
_LITERAL = re.compile(r"""\bt\(\s*(["'])([a-z_][a-zA-Z0-9_.]*)\1""")
# t(f"kind.{x}") -> the constant dotted prefix before the first {.
_FSTRING = re.compile(r"""\bt\(\s*f(["'])([a-z_][a-zA-Z0-9_.]*)\{""")


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = str(v)
    return out


def _load(lang: str) -> dict[str, tuple[str, str]]:
    """key -> (text, file name) for one language."""
    out: dict[str, tuple[str, str]] = {}
    for f in sorted((I18N / lang).glob("*.toml")):
        for k, v in _flatten(tomllib.loads(f.read_text(encoding="utf-8"))).items():
            out[k] = (v, f.name)
    return out


ZH = _load("zh_CN")
EN = _load("en")


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _code_usages() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    literals: dict[str, list[str]] = {}
    prefixes: dict[str, list[str]] = {}
    for py in sorted(SRC.rglob("*.py")):
        src = py.read_text(encoding="utf-8")
        for rx, bucket in ((_LITERAL, literals), (_FSTRING, prefixes)):
            for m in rx.finditer(src):
                line = src.count("\n", 0, m.start()) + 1
                bucket.setdefault(m.group(2), []).append(f"{py.relative_to(SRC.parent)}:{line}")
    return literals, prefixes


def _report(title: str, keys: list[str], source: dict[str, tuple[str, str]], target_lang: str) -> str:
    lines = [f"{title} ({len(keys)}) — add to i18n/{target_lang}/<file>:"]
    for k in keys:
        text, fname = source[k]
        lines.append(f"  [{target_lang}/{fname}] {k} = {text!r}")
    return "\n".join(lines)


def test_catalogs_load_and_are_not_empty():
    assert ZH, "zh_CN catalog is empty"
    assert EN, "en catalog is empty"


def test_same_files_in_both_languages():
    zh = {f.name for f in (I18N / "zh_CN").glob("*.toml")}
    en = {f.name for f in (I18N / "en").glob("*.toml")}
    assert zh == en, f"catalog files differ: only zh_CN {sorted(zh - en)}, only en {sorted(en - zh)}"


def test_every_zh_key_is_in_en():
    missing = sorted(set(ZH) - set(EN))
    assert not missing, _report("keys missing from en", missing, ZH, "en")


def test_every_en_key_is_in_zh():
    extra = sorted(set(EN) - set(ZH))
    assert not extra, _report("keys in en but not in zh_CN", extra, EN, "zh_CN")


def test_keys_live_in_the_same_file():
    moved = sorted(k for k in set(ZH) & set(EN) if ZH[k][1] != EN[k][1])
    assert not moved, "keys in different files per language:\n" + "\n".join(
        f"  {k}: zh_CN/{ZH[k][1]} vs en/{EN[k][1]}" for k in moved)


def test_placeholders_match():
    bad = []
    for k in sorted(set(ZH) & set(EN)):
        try:
            zh, en = _placeholders(ZH[k][0]), _placeholders(EN[k][0])
        except ValueError as e:  # unbalanced braces
            bad.append(f"  {k}: cannot parse ({e})")
            continue
        if zh != en:
            bad.append(f"  {k}: zh_CN {sorted(zh)} vs en {sorted(en)}\n"
                       f"      zh_CN: {ZH[k][0]!r}\n      en:    {EN[k][0]!r}")
    assert not bad, "placeholder sets differ:\n" + "\n".join(bad)


def test_calendar_weekdays_are_two_columns_in_en():
    days = {k: EN.get(k, ("<missing>", ""))[0] for k in (f"cal.wd{i}" for i in range(7))}
    bad = {k: v for k, v in days.items() if len(v) != 2}
    assert not bad, f"en cal.wd0..wd6 must be exactly 2 characters: {bad}"


def test_literal_keys_used_in_code_exist_in_zh():
    # If this fails, the listed keys are used in code but have no zh_CN text (and so no en
    # text either): add them to zh_CN and en. Expected to fail until that is done.
    literals, _ = _code_usages()
    assert literals, "found no t(\"...\") calls — is the regex still right?"
    missing = sorted(k for k in literals if k not in ZH)
    assert not missing, "keys used in code but missing from zh_CN:\n" + "\n".join(
        f"  {k}   ({', '.join(literals[k])})" for k in missing)


@pytest.mark.parametrize("prefix", sorted(_code_usages()[1]))
def test_fstring_key_prefix_exists_in_zh(prefix):
    # t(f"kind.{x}") etc.: at least one key must start with the constant prefix.
    _, prefixes = _code_usages()
    assert any(k.startswith(prefix) for k in ZH), (
        f"no zh_CN key starts with {prefix!r} (used at {', '.join(prefixes[prefix])})")
