"""通话脚本 — the call script screen (SPEC §4): customer card beside the script and the form."""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, Header, Input, Label, RadioButton, RadioSet, Static
from textual.worker import Worker, WorkerState

from ..domain.outcomes import OUTCOMES, OutcomeError, parse_when
from ..i18n import t
from ..scripts import fill, load_script
from ..services import callbacks as svc
from ..services import issues as issues_svc
from ..widgets.keybar import KeyBar
from ..widgets.customer_card import CustomerCard
from ..widgets.score_row import ScoreRow
from .dialogs import ConfirmDialog, IssueDialog, IssueInput, TextDialog

DRAFT_DELAY = 0.6
HEARTBEAT_SECONDS = 120
OUTCOME_KEYS = dict(zip(OUTCOMES, ("f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10")))
TEXT_FIELDS = ("reached_name", "reached_position", "suggestions", "improvement", "needs", "competitor", "note")
FLAG_FIELDS = ("sales_lead", "needs_onsite", "negative_feedback")


class _Drafts:
    """Writes the newest form data of one call, one write at a time, never after recording.

    Debounced writes run in worker threads; under a busy database they could commit out of
    order. Each write takes the lock and saves whatever is newest at that moment.
    """

    def __init__(self, store, actor, callback_id: int) -> None:  # noqa: ANN001
        self._store, self._actor, self._id = store, actor, callback_id
        self._lock = threading.Lock()
        self._latest: dict | None = None
        self._closed = False

    def offer(self, data: dict) -> None:
        self._latest = data

    def write(self) -> None:
        with self._lock:
            if self._closed or self._latest is None:
                return
            svc.save_draft(self._store, self._actor, self._id, self._latest)

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def reopen(self) -> None:
        with self._lock:
            self._closed = False


class CallScreen(Screen):
    CSS_PATH = "call.tcss"
    TITLE_KEY = "call.title"
    BINDINGS = [
        *(Binding(key, f"outcome('{code}')", t(f"outcome.{code}"), show=False, id=f"call_outcome_{code}")
          for code, key in OUTCOME_KEYS.items()),
        Binding("ctrl+r", "raise_issue", t("key.raise_issue"), id="call_raise_issue"),
        Binding("escape", "leave", t("key.back_to_queue"), id="call_leave"),
    ]

    class Recorded(Message):
        def __init__(self, result: svc.AttemptResult, also: list[str], outcome: str) -> None:
            super().__init__()
            self.result = result
            self.also = also  # the same customer's other callbacks given the same attempt
            self.outcome = outcome

    def __init__(self, view: svc.CallView) -> None:
        super().__init__()
        self.view = view
        self.script = load_script(view.callback.kind)
        self._loading = True
        self._draft_timer = None
        self._pending: dict | None = None
        self._busy = False  # an outcome is being saved: further keys wait (set on the UI thread)
        self._left = False
        self._drafts: _Drafts | None = None
        self._recorded = False

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        cb = self.view.callback
        values = self._placeholders()
        yield Header()
        with Horizontal(id="call-body"):
            with VerticalScroll(id="call-card"):
                yield CustomerCard(id="customer-card")
            with VerticalScroll(id="call-form"):
                yield Static(Text(f"{self.script.get('title', '')} · {cb.number}", style="bold"), id="call-title")
                if self.script.get("purpose"):
                    yield Static(Text(fill(self.script["purpose"], values), style="italic"), classes="script-purpose")
                yield Static(Text(fill(self.script.get("opening", ""), values)), classes="script-text")
                yield Label(t("call.field.reached_name"))
                with Horizontal(classes="form-row"):
                    yield Input(value=cb.contact_name, id="reached_name", placeholder=t("call.field.reached_name_ph"))
                    yield Input(id="reached_position", placeholder=t("call.field.reached_position_ph"))
                for i, q in enumerate(self.script.get("questions", [])):
                    yield Label(Text(f"{i + 1}. {fill(q, values)}"), classes="script-question")
                    yield Input(id=f"q{i}", classes="answer")
                prompts = self.script.get("score_prompts", {})
                if prompts.get("resolution"):
                    yield Static(Text(fill(prompts["resolution"], values), style="dim"), classes="script-text")
                yield ScoreRow(t("call.field.score_resolution"), id="score_resolution")
                if prompts.get("attitude"):
                    yield Static(Text(fill(prompts["attitude"], values), style="dim"), classes="script-text")
                yield ScoreRow(t("call.field.score_attitude"), id="score_attitude")
                for name in ("suggestions", "improvement", "needs"):
                    yield Label(t(f"call.field.{name}"))
                    yield Input(id=name)
                yield Checkbox(t("call.field.sales_lead"), id="sales_lead")
                yield Label(t("call.field.competitor"))
                yield Input(id="competitor")
                yield Checkbox(t("call.field.needs_onsite"), id="needs_onsite")
                yield Checkbox(t("call.field.negative_feedback"), id="negative_feedback")
                for issue in self.view.to_verify:
                    # 001 五(四)2: verify the improvement on the customer's next callback
                    yield Label(Text(t("ledger.verify_prompt", number=issue.number, title=issue.title)))
                    with RadioSet(id=f"verify_{issue.id}", classes="verify"):
                        yield RadioButton(t("ledger.verify_skip"), value=True, id=f"verify_{issue.id}_skip")
                        yield RadioButton(t("ledger.verify_held"), id=f"verify_{issue.id}_held")
                        yield RadioButton(t("ledger.verify_not_held"), id=f"verify_{issue.id}_not_held")
                yield Label(t("call.field.note"))
                yield Input(id="note")
                yield Static(Text(fill(self.script.get("closing", ""), values)), classes="script-text")
                for tip in self.script.get("tips", []):
                    yield Static(Text("· " + tip, style="dim italic"), classes="script-tip")
        yield Static(self._outcome_bar(), id="call-outcomes")
        yield KeyBar()

    def _outcome_bar(self) -> Text:
        bar = Text()
        for code, key in OUTCOME_KEYS.items():
            bar.append(f" {key.upper()} ", style="reverse")
            bar.append(f"{t(f'outcome.{code}')} ")
        return bar

    def _placeholders(self) -> dict[str, Any]:
        cb, c, wo = self.view.callback, self.view.customer, self.view.work_order
        info = self.view.trigger
        return {
            "company": self.view.company or t("call.our_company"),
            "agent": self.view.agent_name,
            "customer": c.name,
            "contact": cb.contact_name or t("call.contact_fallback"),
            "product": getattr(wo, "product", "") or info.get("product", ""),
            "work_order": getattr(wo, "number", "") or "",
            "completed_on": wo.actual_completion.date().isoformat() if wo is not None and wo.actual_completion else "",
            "sale_date": info.get("sale_date", ""),
            "event": info.get("event", ""),
            "due_on": cb.due_on.isoformat(),
        }

    def on_mount(self) -> None:
        self._pristine = self.form_data()
        self._drafts = _Drafts(self.app.store, self.app.actor, self.view.callback.id)
        self.app.settle_inputs(self)
        self.query_one(CustomerCard).show(self.view)
        self.set_interval(HEARTBEAT_SECONDS, self._heartbeat)
        if self.view.draft:
            self.app.push_screen(ConfirmDialog(t("call.draft_offer")), self._draft_answer)
        else:
            self._loading = False
            self.query_one("#reached_name", Input).focus()

    def on_unmount(self) -> None:
        # Only when the app quits with the call open: flush the pending draft and drop the claim
        # here (a worker would not outlive the app). A crash leaves the claim to expire instead.
        if self._left or self._recorded or self._drafts is None:
            return
        try:
            self._stop_timer()
            self._drafts.write()
            svc.release(self.app.store, self.app.actor, self.view.callback.number)
        except Exception as e:  # noqa: BLE001 - never block quitting; an unreleased claim expires
            self.app.log.warning(f"leaving {self.view.callback.number}: {e!r}")

    def _stop_timer(self) -> None:
        """Stop the debounce timer and hand its pending data to the draft writer."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if self._pending is not None and self._pending != self._pristine and self._drafts is not None:
            self._drafts.offer(self._pending)

    def _draft_answer(self, restore: bool | None) -> None:
        if restore:
            self.apply_form(self.view.draft or {})
            self.notify(t("call.draft_restored"))
        self._loading = False
        self.query_one("#reached_name", Input).focus()

    # -- the form as data (drafts) ------------------------------------------------
    def form_data(self) -> dict:
        data: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            data[name] = self.query_one(f"#{name}", Input).value
        for name in FLAG_FIELDS:
            data[name] = self.query_one(f"#{name}", Checkbox).value
        data["answers"] = {inp.id: inp.value for inp in self.query("Input.answer")}
        data["score_resolution"] = self.query_one("#score_resolution", ScoreRow).value
        data["score_attitude"] = self.query_one("#score_attitude", ScoreRow).value
        data["verified"], data["not_held"] = [], []
        for rs in self.query("RadioSet.verify"):
            iid, pressed = int(rs.id.removeprefix("verify_")), rs.pressed_button
            if pressed is not None and pressed.id == f"verify_{iid}_held":
                data["verified"].append(iid)
            elif pressed is not None and pressed.id == f"verify_{iid}_not_held":
                data["not_held"].append(iid)
        return data

    def apply_form(self, data: dict) -> None:
        for name in TEXT_FIELDS:
            if name in data:
                self.query_one(f"#{name}", Input).value = str(data[name] or "")
        for name in FLAG_FIELDS:
            if name in data:
                self.query_one(f"#{name}", Checkbox).value = bool(data[name])
        for key, value in (data.get("answers") or {}).items():
            for inp in self.query(f"#{key}"):
                inp.value = str(value)
        for name in ("score_resolution", "score_attitude"):
            self.query_one(f"#{name}", ScoreRow).value = data.get(name)
        for key, suffix in (("verified", "held"), ("not_held", "not_held")):
            for iid in data.get(key, []):
                for button in self.query(f"#verify_{iid}_{suffix}"):
                    button.value = True

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    @on(ScoreRow.Changed)
    def _changed(self) -> None:
        if self._loading:
            return
        self._pending = self.form_data()
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self._save_draft)

    def _save_draft(self) -> None:
        self._draft_timer = None
        data = self.form_data()
        if data == self._pristine and not self.view.draft:
            return  # nothing typed yet: no draft to offer back
        self._drafts.offer(data)
        self.app.db_task(self._drafts.write)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    # -- outcomes -----------------------------------------------------------------
    def _record(self, outcome: str, **extra: Any) -> svc.CallRecord:
        d = self.form_data()
        return svc.CallRecord(
            outcome=outcome, reached_name=d["reached_name"], reached_position=d["reached_position"],
            score_resolution=d["score_resolution"], score_attitude=d["score_attitude"],
            answers={self._question(k): v for k, v in d["answers"].items() if v},
            suggestions=d["suggestions"], improvement=d["improvement"], needs=d["needs"],
            sales_lead=d["sales_lead"], competitor=d["competitor"], needs_onsite=d["needs_onsite"],
            negative_feedback=d["negative_feedback"], note=d["note"], verified_issue_ids=d["verified"],
            not_held_issue_ids=d.get("not_held", []), **extra,
        )

    def _question(self, input_id: str) -> str:
        i = int(input_id.removeprefix("q"))
        qs = self.script.get("questions", [])
        return qs[i] if i < len(qs) else input_id

    def action_outcome(self, outcome: str) -> None:
        if self._busy or self._left:
            return
        if outcome == "reschedule":
            self._ask_reschedule()
            return
        rec = self._record(outcome)
        errors = svc.validate(rec)
        if errors:
            self._show_errors(errors, rec)
            return
        self._busy = True
        self._submit(rec)

    def _show_errors(self, errors: list[str], rec: svc.CallRecord) -> None:
        self.notify("\n".join(errors), title=t("call.cannot_save"), severity="error", timeout=8)
        if rec.outcome == "completed":
            if not rec.reached_name.strip():
                self.query_one("#reached_name", Input).focus()
            elif rec.score_resolution is None:
                self.query_one("#score_resolution", ScoreRow).focus()
            elif rec.score_attitude is None:
                self.query_one("#score_attitude", ScoreRow).focus()

    def _ask_reschedule(self, value: str = "") -> None:
        dlg = TextDialog(t("call.reschedule_title"), t("call.reschedule_hint"), value=value,
                         placeholder="2026-05-06 15:00 / 明天 15:00 / +2d")

        def done(text: str | None) -> None:
            if not text:
                return
            try:
                when = parse_when(text, self.app.now())
            except OutcomeError as e:
                self.notify(svc.outcome_message(e), severity="error", timeout=8)
                self._ask_reschedule(text)
                return
            if not self._busy:
                self._busy = True
                self._submit(self._record("reschedule", to=when))

        self.app.push_screen(dlg, done)

    @work(thread=True, exclusive=True, group="call-record", exit_on_error=False)
    def _submit(self, rec: svc.CallRecord) -> None:
        self._drafts.close()  # no draft write may land after the record deletes the draft
        try:
            result = svc.record_attempt(self.app.store, self.app.actor, self.view.callback.number, rec)
        except Exception:
            self._drafts.reopen()
            raise
        also = [] if rec.outcome == "completed" else self._same_attempt_for_the_rest(rec)
        self.post_message(self.Recorded(result, also, rec.outcome))

    def _same_attempt_for_the_rest(self, rec: svc.CallRecord) -> list[str]:
        """One phone call for one customer (SPEC §3): not reaching them counts for every callback
        of theirs due today; only their content differs, so completion goes one by one."""
        from ..errors import ServiceError

        done = []
        for other in self.view.same_day:
            attempt = svc.CallRecord(outcome=rec.outcome, at=rec.at, to=rec.to, reached_name=rec.reached_name,
                                     reached_position=rec.reached_position, note=rec.note)
            try:
                svc.record_attempt(self.app.store, self.app.actor, other.number, attempt, skip_locked=True)
                done.append(other.number)
            except ServiceError:
                continue  # already handled or claimed: leave it to its own call
            except Exception as e:  # noqa: BLE001 - the main outcome is saved; report, never redo it
                self.app.log.error(f"same attempt on {other.number}: {e!r}")
        return done

    @on(Recorded)
    def _on_recorded(self, event: Recorded) -> None:
        self._recorded = True
        r = event.result
        msg = t("call.recorded", number=r.number, state=t(f"cbstate.{r.status}"), attempts=r.attempts,
                due=r.due_on.isoformat())
        if r.followups:
            msg += "\n" + t("call.followups", numbers=", ".join(r.followups))
        if r.alert_supervisor:
            msg += "\n" + t("call.alerted")
        if event.also:
            msg += "\n" + t("call.also_recorded", numbers=", ".join(event.also))
        self.app.notify(msg, timeout=6)
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self._pending = None
        self.dismiss_call(released=True)
        if event.outcome == "completed" and self.view.same_day:
            nxt = self.view.same_day[0]
            self.app.notify(t("call.continue_same", number=nxt.number, kind=t(f"kind.{nxt.kind}")), timeout=6)
            self.app.open_call(nxt.number)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            if event.worker.group == "call-record":
                self._busy = False  # the outcome was not saved: the agent may try again
            self.notify(str(event.worker.error), title=t("call.cannot_save"), severity="error", timeout=10)

    # -- issue, leaving -----------------------------------------------------------
    def action_raise_issue(self) -> None:
        if self._busy or self._left:
            return

        def done(value: IssueInput | None) -> None:
            if value is not None:
                self._raise(value)

        self.app.push_screen(IssueDialog(), done)

    @work(thread=True, group="call-issue", exit_on_error=False)
    def _raise(self, value: IssueInput) -> None:
        issue = issues_svc.raise_issue(self.app.store, self.app.actor, self.view.callback.number,
                                title=value.title, description=value.description, category=value.category,
                                priority=value.priority, is_complaint=value.is_complaint,
                                department=value.department)
        key = "call.issue_raised_complaint" if issue.is_complaint else "call.issue_raised"
        self.app.call_from_thread(self.notify, t(key, number=issue.number, solve_by=issue.solve_by.isoformat()))

    def action_leave(self) -> None:
        if self._busy or self._left:
            return
        self._stop_timer()
        self.dismiss_call(released=False)

    def dismiss_call(self, *, released: bool) -> None:
        self._left = True
        if not released:
            drafts, store, actor, number = self._drafts, self.app.store, self.app.actor, self.view.callback.number

            def leave() -> None:  # in a worker owned by the app: outlives this screen
                drafts.write()
                svc.release(store, actor, number)

            self.app.db_task(leave)
        # Pop whatever sits above this screen (a dialog opened meanwhile), then this screen.
        while self in self.app.screen_stack:
            self.app.pop_screen()
        self.app.refresh_queue()

    @work(thread=True, group="call-heartbeat", exit_on_error=False)
    def _heartbeat(self) -> None:
        svc.heartbeat(self.app.store, self.app.actor, self.view.callback.number)
