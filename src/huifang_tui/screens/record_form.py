"""One record of the 客户回访汇总记录表, with the keyboard alone (issue 11 §2).

Tab order follows the paper form (003 表2): 客户名称, 联系人, 职位, 回访时间, 回访方式, the two
scores (keys 1–5), 意见建议, 改进措施, 需求, then the flags. Each field's message shows beside
it. Without a number it enters a call or visit made outside the queue (kind ``adhoc``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Checkbox, Input, Label, Static

from ..domain.limits import NAME_MAX, TEXT_MAX
from ..core.i18n import t
from ..widgets.header import AppHeader
from ..widgets.choice import ChoiceField
from ..widgets.keybar import KeyBar
from .background import WorkFailed, in_thread

CHANNELS = ("phone", "email", "online", "onsite")
# (field id, label key, kind) in the paper form's order
FIELDS = (
    ("customer", "form.customer", "input"),
    ("reached_name", "form.reached", "input"),
    ("reached_position", "form.position", "input"),
    ("completed_at", "form.when", "input"),
    ("channel", "form.channel", "choice"),
    ("score_resolution", "form.score_resolution", "score"),
    ("score_attitude", "form.score_attitude", "score"),
    ("suggestions", "form.suggestions", "input"),
    ("improvement", "form.improvement", "input"),
    ("needs", "form.needs", "input"),
    ("sales_lead", "form.sales_lead", "check"),
    ("needs_onsite", "form.needs_onsite", "check"),
    ("negative_feedback", "form.negative", "check"),
)


def parse_when(text: str, ref: datetime | None = None) -> datetime | None:
    """The one reader of time fields (``domain.timephrase.read_time``): '2026-11-20 14:30',
    '2026-11-20T14:30', seconds optional, a date alone (its first working hour) or a phrase
    ('今天 15:00') read relative to ``ref``."""
    from ..domain.policy import Policy
    from ..domain.timephrase import PhraseError, read_time

    try:
        return read_time(text, ref or datetime.now(), Policy().work_hours, ahead=False)
    except PhraseError:
        return None


class CustomerSuggester(Suggester):
    """Completes a customer's name from the database as it is typed (off the UI thread)."""

    def __init__(self, store) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.store = store

    async def get_suggestion(self, value: str) -> str | None:
        from ..services.record_form import customer_names

        if not value.strip():
            return None
        names = await asyncio.to_thread(customer_names, self.store, value, 8)
        return next((n for n in names if n.startswith(value)), None)


class RecordFormScreen(Screen[str | None]):
    TITLE_KEY = "form.title"
    BINDINGS = [
        Binding("ctrl+s", "save", t("form.save"), id="form_save"),
        Binding("escape", "cancel", t("form.cancel"), id="form_cancel"),
    ]

    def __init__(self, number: str | None = None) -> None:
        super().__init__()
        self.number = number
        self._saving = False
        self._whole: str | None = None  # the field whose message the status line shows whole

    def compose(self) -> ComposeResult:
        yield AppHeader()
        title = t("form.title_edit", number=self.number) if self.number else t("form.title_new")
        yield Static(Text(title, style="bold"), id="form-title")
        with VerticalScroll(id="form-body"):
            for fid, label, kind in FIELDS:
                with Horizontal(classes="form-row", id=f"row-{fid}"):
                    yield Label(t(label), classes="form-label")
                    if kind == "input":
                        kw = {}
                        if fid == "customer":
                            kw["suggester"] = CustomerSuggester(self.app.store)
                            kw["placeholder"] = t("form.hint_customer")
                        if fid == "completed_at":
                            kw["placeholder"] = t("form.hint_when")
                            kw["restrict"] = r"[0-9: T-]*"
                        if fid != "completed_at":
                            kw["max_length"] = NAME_MAX if fid in ("customer", "reached_name", "reached_position") \
                                else TEXT_MAX
                        # Tab leaves the text as it is, the cursor at its end (issue 25 item 8)
                        yield Input(compact=True, id=f"f-{fid}", classes="form-input", select_on_focus=False, **kw)
                    elif kind == "choice":
                        yield ChoiceField([(c, t(f"channel.{c}")) for c in CHANNELS], "phone", id=f"f-{fid}")
                    elif kind == "score":
                        yield ChoiceField([(str(n), str(n)) for n in range(1, 6)],
                                          meanings={str(n): t(f"score.{n}") for n in range(1, 6)}, id=f"f-{fid}")
                    else:
                        yield Checkbox("", compact=True, id=f"f-{fid}")
                    yield Static("", classes="form-error", id=f"e-{fid}")
        yield Static("", id="form-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.app.settle_inputs(self)
        when = self.query_one("#f-completed_at", Input)
        when.value = self.app.now().strftime("%Y-%m-%d %H:%M")
        if self.number:
            self.query_one("#f-customer", Input).disabled = True
            self._load(self.number)
        self.query_one("#f-reached_name" if self.number else "#f-customer").focus()

    @in_thread("form-load", exclusive=True)
    def _load(self, number: str) -> None:
        from ..services.record_form import load_record

        inp = load_record(self.app.store, self.app.actor, number)
        self.app.call_from_thread(self._fill, inp)

    def _fill(self, inp) -> None:
        self.query_one("#f-customer", Input).value = inp.customer
        self.query_one("#f-reached_name", Input).value = inp.reached_name
        self.query_one("#f-reached_position", Input).value = inp.reached_position
        self.query_one("#f-completed_at", Input).value = inp.completed_at.strftime("%Y-%m-%d %H:%M")
        self.query_one("#f-channel", ChoiceField).value = inp.channel
        for name in ("score_resolution", "score_attitude"):
            v = getattr(inp, name)
            self.query_one(f"#f-{name}", ChoiceField).value = None if v is None else str(v)
        for name in ("suggestions", "improvement", "needs"):
            self.query_one(f"#f-{name}", Input).value = getattr(inp, name)
        for name in ("sales_lead", "needs_onsite", "negative_feedback"):
            self.query_one(f"#f-{name}", Checkbox).value = bool(getattr(inp, name))

    # -- validation beside the field ------------------------------------------------------
    def show_error(self, fid: str, message: str) -> None:
        self.query_one(f"#e-{fid}", Static).update(Text(message, style="bold red"))

    def say_whole(self, fid: str, message: str) -> None:
        """A field's message longer than its place beside the field (which ends it with …) is
        also shown whole in the status line below the form (issue 25 item 9)."""
        room = self.query_one(f"#e-{fid}", Static).styles.max_width
        if room is not None and cell_len(message) > room.value:
            self.query_one("#form-status", Static).update(Text(message, style="bold red"))
            self._whole = fid

    def clear_errors(self) -> None:
        for fid, _, _ in FIELDS:
            self.query_one(f"#e-{fid}", Static).update("")
        self.query_one("#form-status", Static).update("")
        self._whole = None

    @on(Input.Changed, "#f-completed_at")
    def _when_changed(self, event: Input.Changed) -> None:
        ok = parse_when(event.value, self.app.now()) is not None
        self.query_one("#e-completed_at", Static).update("" if ok else Text(t("form.err.when"), style="bold red"))
        if not ok:
            self.say_whole("completed_at", t("form.err.when"))
        elif self._whole == "completed_at":
            self.query_one("#form-status", Static).update("")
            self._whole = None

    @on(Input.Changed, "#f-customer")
    def _customer_changed(self, event: Input.Changed) -> None:
        self.query_one("#e-customer", Static).update("")
        self._lookup(event.value)

    @in_thread("form-lookup", exclusive=True)
    def _lookup(self, value: str) -> None:
        from ..services.record_form import customer_names

        names = customer_names(self.app.store, value, 3) if value.strip() else []
        hint = " · ".join(names) if value.strip() not in names else ""
        self.app.call_from_thread(self.query_one("#e-customer", Static).update, Text(hint, style="dim"))

    @on(ChoiceField.Changed)
    def _choice_changed(self, event: ChoiceField.Changed) -> None:
        self.query_one(f"#e-{event.field.id[2:]}", Static).update("")

    @on(events.DescendantFocus)
    def _cursor_at_end(self, event: events.DescendantFocus) -> None:
        """Tab into a field keeps its text and puts the cursor at its end, so the next key adds to
        it (issue 25 item 8; a click still puts the cursor where it clicks)."""
        if isinstance(event.widget, Input):
            event.widget.cursor_position = len(event.widget.value)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def collect(self):
        """The form's values as a RecordInput, or None after showing what is wrong."""
        from ..services.record_form import RecordInput, validate

        self.clear_errors()
        when = parse_when(self.query_one("#f-completed_at", Input).value, self.app.now())
        if when is None:
            self.show_error("completed_at", t("form.err.when"))
            self.query_one("#f-completed_at").focus()
            return None

        def score(name: str) -> int | None:
            v = self.query_one(f"#f-{name}", ChoiceField).value
            return int(v) if v else None

        inp = RecordInput(
            completed_at=when, channel=self.query_one("#f-channel", ChoiceField).value or "",
            reached_name=self.query_one("#f-reached_name", Input).value,
            reached_position=self.query_one("#f-reached_position", Input).value,
            score_resolution=score("score_resolution"), score_attitude=score("score_attitude"),
            suggestions=self.query_one("#f-suggestions", Input).value,
            improvement=self.query_one("#f-improvement", Input).value,
            needs=self.query_one("#f-needs", Input).value,
            sales_lead=self.query_one("#f-sales_lead", Checkbox).value,
            needs_onsite=self.query_one("#f-needs_onsite", Checkbox).value,
            negative_feedback=self.query_one("#f-negative_feedback", Checkbox).value,
            customer=self.query_one("#f-customer", Input).value.strip(),
        )
        errors = validate(inp, self.app.now())
        if not self.number and not inp.customer:
            from ..services.record_form import FormError

            errors.insert(0, FormError("customer", t("form.err.customer")))
        if errors:
            order = [f for f, _, _ in FIELDS]
            errors.sort(key=lambda e: order.index(e.field))
            for e in errors:
                self.show_error(e.field, str(e))
            self.say_whole(errors[0].field, str(errors[0]))
            self.query_one(f"#f-{errors[0].field}").focus()
            return None
        return inp

    def action_save(self) -> None:
        if self._saving:
            return
        inp = self.collect()
        if inp is None:
            return
        self._saving = True
        self._save(inp)

    @in_thread("form-save", exclusive=True)
    def _save(self, inp) -> None:
        from ..core.errors import ServiceError
        from ..services.record_form import FormError, edit_record, enter_adhoc

        try:
            if self.number:
                res = edit_record(self.app.store, self.app.actor, self.number, inp)
                msg = t("form.edited", number=res.number, cancelled=len(res.cancelled), created=len(res.created)) \
                    if res.changed else t("form.unchanged", number=res.number)
            else:
                msg = t("form.saved", number=enter_adhoc(self.app.store, self.app.actor, inp))
        except FormError as e:
            self.app.call_from_thread(self._failed, e.field, str(e))
            return
        except ServiceError as e:
            self.app.call_from_thread(self._failed, None, str(e))
            return
        self.app.call_from_thread(self.dismiss, msg)

    def _failed(self, fid: str | None, message: str) -> None:
        self._saving = False
        if fid:
            self.show_error(fid, message)
            self.say_whole(fid, message)
            self.query_one(f"#f-{fid}").focus()
        else:
            self.query_one("#form-status", Static).update(Text(message, style="bold red"))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(WorkFailed)
    def _work_failed(self, event: WorkFailed) -> None:
        """The form shows a failed worker in its own status line, not as a notice."""
        event.stop()
        self._failed(None, self.app.error_text(event.error))
