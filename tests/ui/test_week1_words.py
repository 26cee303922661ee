"""One word per state, and no seed clauses in messages (issue 25 items 14 and 19).

14. A state had two names: 失联 / 无法联系 (unreachable), 挂起 / 等待客户 (an issue waiting on the
    customer), and in English "Needs number fix" / "Waiting for data" (waiting_data). The words are
    SPEC's: 无法联系 (SPEC §2 and the KPI table of §7) and 挂起 (SPEC §4, "Waiting on the customer
    (挂起, with a reason)"). Every catalog table that names the states by their codes, and the
    other places naming one state, must give each state the same word (case aside; a short form
    may abbreviate it: "Unr.", "ack'd").
19. Messages cited seed clauses ("(001 六(二)3)", "(000 §4.11)"). Only help texts (F1, --help)
    may: no other catalog text carries a citation, and F1 shows them where the rule applies.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from huifang_tui.core import i18n
from huifang_tui.domain.words import CALLBACK_STATUSES

I18N = Path(i18n.__file__).parent
ROOT = Path(__file__).resolve().parents[2]
ISSUE_STATUSES = ("open", "acknowledged", "waiting", "solved", "closed")  # services/issues.py
FAMILIES = {"callback": CALLBACK_STATUSES, "issue": ISSUE_STATUSES}

#: the catalog tables naming a family's states by their codes
STATE_TABLES = {
    "callback": ("cbstate", "report.state", "search.status"),
    "issue": ("ledger.status", "ledgershort.status", "search.issue_status"),
}
#: other texts naming one state: an alert, a column, a KPI, a filter, the event that enters it
SINGLES = {
    ("callback", "unreachable"): ("board.alert.unreachable", "alertshort.unreachable", "board.col.unreachable",
                                  "kpi.unreachable"),
    ("issue", "waiting"): ("ledger.filter.waiting", "ledger.event.waiting"),
}
#: tables keyed by the same codes that are not the states' names (checked to stay few and known)
NOT_STATE_NAMES = {
    "outcome",  # a call's outcome (拒访 the outcome makes the state 拒访; 未接通 makes none)
    "outcomeshort",  # the outcomes' short forms
    "ledger.event",  # what happened (受理 the act, 处理中 the state)
    "firsthour.next", "firsthour.confirm",  # messages after and before an outcome
}
#: the words that were removed: none may come back, in a catalog or the README
RETIRED = {"失联", "等待客户", "联系不上", "Unreached", "Needs number fix", "Waiting for data"}
#: not yet one word (none: the board's column is as wide as its word, the projection gives way)
PENDING: set[tuple[str, str]] = set()


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = str(v)
    return out


def _catalog(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in sorted((I18N / lang).glob("*.toml")):
        out.update(_flatten(tomllib.loads(f.read_text(encoding="utf-8"))))
    return out


CATALOGS = {lang: _catalog(lang) for lang in ("zh_CN", "en")}


def _same_word(word: str, other: str) -> bool:
    a, b = word.strip().lower(), other.strip().lower()
    if a == b:
        return True
    short = b.rstrip(".").split("'")[0]  # "unr." / "ack'd": a short form of the word
    return (b.endswith(".") or "'" in b) and len(short) >= 3 and a.startswith(short)


def _tables(cat: dict[str, str], codes: tuple[str, ...]) -> set[str]:
    """Sections holding at least three of the codes as keys."""
    sections: dict[str, int] = {}
    for key in cat:
        section, _, last = key.rpartition(".")
        if last in codes:
            sections[section] = sections.get(section, 0) + 1
    return {s for s, n in sections.items() if n >= 3}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_table_of_state_names_is_known(lang):
    cat = CATALOGS[lang]
    for family, codes in FAMILIES.items():
        found = _tables(cat, codes) - NOT_STATE_NAMES - set(STATE_TABLES["callback"]) - set(STATE_TABLES["issue"])
        assert not found, f"{lang}: {sorted(found)} name {family} states: add them to STATE_TABLES or NOT_STATE_NAMES"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_each_state_has_one_word(lang):
    cat = CATALOGS[lang]
    clashes: set[tuple[str, str]] = set()
    for family, codes in FAMILIES.items():
        for code in codes:
            keys = [f"{table}.{code}" for table in STATE_TABLES[family] if f"{table}.{code}" in cat]
            keys += list(SINGLES.get((family, code), ()))
            if not keys:
                continue
            word = cat[keys[0]]
            for key in keys[1:]:
                if not _same_word(word, cat[key]):
                    clashes.add((lang, key))
    assert clashes == {p for p in PENDING if p[0] == lang}, (
        f"{lang}: a state under another word: " + ", ".join(f"{k}={cat[k]!r}" for _, k in sorted(clashes)))


def test_the_retired_words_are_gone_from_the_catalogs_and_the_readme():
    seen = [(lang, k, v) for lang, cat in CATALOGS.items() for k, v in cat.items()
            if (lang, k) not in PENDING and any(w in v for w in RETIRED)]
    assert not seen, seen
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not [w for w in RETIRED if w in readme]


# -- item 19 ------------------------------------------------------------------------------------
CITATION = re.compile(r"\b0\d\d\s*(?:§\s*\d|[一二三四五六七八九十]+\s*(?:[（(]|$|[\s;；,，)）]))|\bSPEC\s*§")


def _is_help(key: str) -> bool:
    """F1's notes and rules, and the command line's --help texts."""
    return key.startswith("helprules.") or any("help" in part for part in key.split("."))


def test_the_citation_pattern_finds_what_it_must():
    for cited in ("缺少：方案（001 六(二)3）。", "at once (000 §4.11)", "(001 六; SPEC §3)", "验证（001 五(四)2）"):
        assert CITATION.search(cited), cited
    for plain in ("满意度 1–5", "HF202611001", "2026-11-23 4", "剩20工作日"):
        assert not CITATION.search(plain), plain


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_no_message_cites_a_seed_clause(lang):
    cited = {k: v for k, v in CATALOGS[lang].items() if CITATION.search(v) and not _is_help(k)}
    assert not cited, cited


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_citations_are_kept_in_help(lang):
    rules = {k: v for k, v in CATALOGS[lang].items() if k.startswith("helprules.")}
    text = " ".join(rules.values()).replace("\u00a0", " ")  # a clause kept on one line
    for clause in ("000 §4.11", "001 六(二)3", "001 五(四)2"):
        assert clause in text


async def test_f1_names_the_clauses_where_the_rule_applies(desk):
    """F1 over the raise-issue dialog and over the call screen shows the rules with their clauses."""
    from textual.widgets import Static

    from huifang_tui.app import HuifangApp
    from huifang_tui.core.i18n import t
    from huifang_tui.screens.dialogs import IssueDialog
    from huifang_tui.screens.help import HelpScreen
    from pilot_help import open_first, settle

    store, agent = desk
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert str(app.screen.query_one("#help-rules", Static).render()) == t("helprules.call")
        await pilot.press("escape")
        await settle(pilot)
        app.push_screen(IssueDialog())
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "000\u00a0§4.11" in str(app.screen.query_one("#help-rules", Static).render())
