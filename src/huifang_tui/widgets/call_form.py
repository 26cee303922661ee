"""The call form (SPEC §4 通话脚本): the script beside the record's fields, as one widget.

Its ``phase`` says what the form may do now, instead of a handful of flags:

- ``LOADING``  a draft is being offered back: changes are not drafts yet
- ``EDITING``  typing; changes are saved as drafts; an outcome may be recorded
- ``SAVING``   an outcome is being saved: further keys wait
- ``DONE``     the outcome is saved: nothing more is written from this form
- ``LEFT``     the agent left without recording: the claim is being released
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet, Static

from ..domain.limits import NAME_MAX, TEXT_MAX
from ..domain.record import CONTENT_FIELDS, REACHED_FIELDS, SCORE_FIELDS
from ..core.i18n import t
from ..services.scripts import fill
from ..services.recording import CallRecord
from .score_row import ScoreRow
from .wrapped import Wrapped


class Phase(Enum):
    LOADING = "loading"
    EDITING = "editing"
    SAVING = "saving"
    DONE = "done"
    LEFT = "left"


# Phases that may move on to the next; anything else is refused (a bug, not a user error).
_NEXT = {
    Phase.LOADING: {Phase.EDITING, Phase.LEFT},
    Phase.EDITING: {Phase.SAVING, Phase.LEFT},
    Phase.SAVING: {Phase.EDITING, Phase.DONE},
    Phase.DONE: set(),
    Phase.LEFT: set(),
}


class CallForm(VerticalScroll):
    """The script and the fields of one call. ``data()``/``load()`` are the form as a draft."""

    def __init__(self, script: dict, values: dict[str, Any], number: str, contact_name: str,
                 to_verify: list, **kw: Any) -> None:
        super().__init__(**kw)
        self.script, self.values, self.number = script, values, number
        self.contact_name, self.to_verify = contact_name, to_verify
        self.phase = Phase.LOADING

    # -- phase ----------------------------------------------------------------------
    def go(self, phase: Phase) -> None:
        if phase not in _NEXT[self.phase]:
            raise RuntimeError(f"call form: {self.phase.value} → {phase.value}")
        self.phase = phase

    @property
    def editing(self) -> bool:
        return self.phase is Phase.EDITING

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        sc, v = self.script, self.values
        # The script's text is wrapped by the Chinese line-breaking rules at the form's width.
        yield Static(Wrapped(Text(f"{sc.get('title', '')} · {self.number}", style="bold")), id="call-title")
        if sc.get("purpose"):
            yield Static(Wrapped(Text(fill(sc["purpose"], v), style="italic")), classes="script-purpose")
        yield Static(Wrapped(Text(fill(sc.get("opening", ""), v))), classes="script-text")
        yield Label(t("call.field.reached_name"))
        with Horizontal(classes="form-row"):  # Tab keeps a field's text, the cursor at its end (not selected)
            yield Input(value=self.contact_name, id="reached_name", placeholder=t("call.field.reached_name_ph"),
                        max_length=NAME_MAX, select_on_focus=False)
            yield Input(id="reached_position", placeholder=t("call.field.reached_position_ph"), max_length=NAME_MAX,
                        select_on_focus=False)
        for i, q in enumerate(sc.get("questions", [])):
            yield Label(Wrapped(Text(f"{i + 1}. {fill(q, v)}")), classes="script-question")
            yield Input(id=f"q{i}", classes="answer", max_length=TEXT_MAX, select_on_focus=False)
        prompts = sc.get("score_prompts", {})
        for f in SCORE_FIELDS:
            prompt = prompts.get(f.name.removeprefix("score_"))
            if prompt:
                yield Static(Wrapped(Text(fill(prompt, v), style="dim")), classes="script-text")
            yield ScoreRow(t(f"call.field.{f.name}"), id=f.name)
        for f in CONTENT_FIELDS:
            if f.kind == "flag":
                yield Checkbox(t(f"call.field.{f.name}"), id=f.name)
            else:
                yield Label(t(f"call.field.{f.name}"))
                yield Input(id=f.name, max_length=TEXT_MAX, select_on_focus=False)
        for issue in self.to_verify:
            # 001 五(四)2: verify the improvement on the customer's next callback
            yield Label(Wrapped(Text(t("ledger.verify_prompt", number=issue.number, title=issue.title))))
            with RadioSet(id=f"verify_{issue.id}", classes="verify"):
                yield RadioButton(t("ledger.verify_skip"), value=True, id=f"verify_{issue.id}_skip")
                yield RadioButton(t("ledger.verify_held"), id=f"verify_{issue.id}_held")
                yield RadioButton(t("ledger.verify_not_held"), id=f"verify_{issue.id}_not_held")
        # When the call happened, for a call typed later (issue 23): empty = now, the usual case.
        with Horizontal(classes="form-row", id="called-at-row"):
            yield Label(t("call.field.called_at"), id="called-at-label")
            yield Input(id="called_at", placeholder=t("call.field.called_at_ph"), max_length=NAME_MAX,
                        select_on_focus=False)
        yield Label(t("call.field.note"))
        yield Input(id="note", max_length=TEXT_MAX, select_on_focus=False)  # the service is the rule; this stops typing there
        yield Static(Wrapped(Text(fill(sc.get("closing", ""), v))), classes="script-text")
        for tip in sc.get("tips", []):
            yield Static(Wrapped(Text("· " + tip, style="dim italic")), classes="script-tip")

    # -- the form as data (drafts) --------------------------------------------------
    def data(self) -> dict:
        out: dict[str, Any] = {}
        for f in (*REACHED_FIELDS, *SCORE_FIELDS, *CONTENT_FIELDS):
            out[f.name] = self._get(f.name, f.kind)
        out["note"] = self.query_one("#note", Input).value
        out["called_at"] = self.query_one("#called_at", Input).value
        out["answers"] = {inp.id: inp.value for inp in self.query("Input.answer")}
        out["verified"], out["not_held"] = [], []
        for rs in self.query("RadioSet.verify"):
            iid, pressed = int(rs.id.removeprefix("verify_")), rs.pressed_button
            if pressed is not None and pressed.id == f"verify_{iid}_held":
                out["verified"].append(iid)
            elif pressed is not None and pressed.id == f"verify_{iid}_not_held":
                out["not_held"].append(iid)
        return out

    def load(self, data: dict) -> None:
        for f in (*REACHED_FIELDS, *SCORE_FIELDS, *CONTENT_FIELDS):
            if f.name in data:
                self._set(f.name, f.kind, data[f.name])
        for name in ("note", "called_at"):
            if name in data:
                self.query_one(f"#{name}", Input).value = str(data[name] or "")
        for key, value in (data.get("answers") or {}).items():
            for inp in self.query(f"#{key}"):
                inp.value = str(value)
        for key, suffix in (("verified", "held"), ("not_held", "not_held")):
            for iid in data.get(key, []):
                for button in self.query(f"#verify_{iid}_{suffix}"):
                    button.value = True

    def _get(self, name: str, kind: str) -> Any:
        if kind == "score":
            return self.query_one(f"#{name}", ScoreRow).value
        if kind == "flag":
            return self.query_one(f"#{name}", Checkbox).value
        return self.query_one(f"#{name}", Input).value

    def _set(self, name: str, kind: str, value: Any) -> None:
        if kind == "score":
            self.query_one(f"#{name}", ScoreRow).value = value
        elif kind == "flag":
            self.query_one(f"#{name}", Checkbox).value = bool(value)
        else:
            self.query_one(f"#{name}", Input).value = str(value or "")

    @property
    def called_at(self) -> str:
        """The call time as typed (empty: the call is now)."""
        return self.query_one("#called_at", Input).value.strip()

    def record(self, outcome: str, **extra: Any) -> CallRecord:
        """What to save for this outcome: the form's fields, answers keyed by their question
        (the stated time, ``at``, comes in ``extra``: read with the store's work hours)."""
        d = self.data()
        fields = {f.name: d[f.name] for f in (*REACHED_FIELDS, *SCORE_FIELDS, *CONTENT_FIELDS)}
        return CallRecord(outcome=outcome, answers={self._question(k): v for k, v in d["answers"].items() if v},
                          note=d["note"], verified_issue_ids=d["verified"], not_held_issue_ids=d["not_held"],
                          **fields, **extra)

    def _question(self, input_id: str) -> str:
        i = int(input_id.removeprefix("q"))
        qs = self.script.get("questions", [])
        return qs[i] if i < len(qs) else input_id

    def focus_first_missing(self, rec: CallRecord) -> None:
        """After a refused completion: the first field it still needs."""
        if rec.outcome != "completed":
            return
        if not rec.reached_name.strip():
            self.query_one("#reached_name", Input).focus()
            return
        for f in SCORE_FIELDS:
            if getattr(rec, f.name) is None:
                self.query_one(f"#{f.name}", ScoreRow).focus()
                return
