"""通话脚本 — the call script screen (SPEC §4): customer card beside the script and the form."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.actions import SkipAction
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, Input, RadioSet

from ..domain.outcomes import NEEDS_REASON, OUTCOMES, OutcomeError, parse_when
from ..domain.record import SCORE_FIELDS
from ..core.errors import NeedsSupervisor, ServiceError, ValidationError
from ..core.i18n import t
from ..services.scripts import load_script
from ..services import calls as svc
from ..services.drafts import save_draft
from ..services import issues as issues_svc
from ..services.recording import (
    AttemptResult, CallRecord, next_step, outcome_message, reason_errors, record_attempt, reschedule_time, stated_time,
    validate,
)
from ..store.claims import IDLE_LIMIT_SECONDS
from ..widgets.header import AppHeader
from ..widgets.call_form import CallForm, Phase
from ..widgets.customer_card import CustomerCard
from ..widgets.keybar import KeyBar, KeyItem, KeyLine
from ..widgets.score_row import ScoreRow
from .background import WorkFailed, in_thread
from .dialogs import ConfirmDialog, IssueDialog, IssueInput, QuestionDialog, TextDialog

DRAFT_DELAY = 0.6
HEARTBEAT_SECONDS = 60  # how often the claim is renewed up to the last key, or let go when idle
OUTCOME_KEYS = dict(zip(OUTCOMES, ("f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10")))


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
            save_draft(self._store, self._actor, self._id, self._latest)

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def reopen(self) -> None:
        with self._lock:
            self._closed = False


class OutcomeBar(KeyLine):
    """F3–F10 and the outcomes: the full names when they fit, else the catalog's short forms
    (outcomeshort.*); F1 lists them all in full."""

    def items(self) -> tuple[list[KeyItem], None]:
        return [KeyItem(key.upper(), t(f"outcome.{code}"), t(f"outcomeshort.{code}"), binding_id=f"call_outcome_{code}")
                for code, key in OUTCOME_KEYS.items()], None


class FinalOutcomeDialog(QuestionDialog):
    """An outcome that closes the callback for good: Enter confirms, Esc goes back to the form.
    Only those two (and F1): not a yes/no dialog, so a stray y or n does nothing."""

    HINT_KEY = "firsthour.confirm.hint"
    BINDINGS = [
        Binding("enter", "answer(True)", t("firsthour.confirm.key"), id="final_confirm"),
        Binding("escape", "cancel", t("key.cancel"), id="dialog_cancel"),
    ]


class RefusalDialog(TextDialog):
    """拒访 closes the callback (and the rest of the call) for good, with the customer's reason:
    one line, required (SPEC §3; issue 22 §7). Enter records it; an empty line says so and
    stays; Esc goes back to the form with nothing recorded."""

    def action_submit(self) -> None:
        value = self.query_one("#dialog-input", Input).value.strip()
        if reason_errors(value):  # empty (the line cannot hold a line break)
            self.show_error(t("onecall.reason_required"))
            return
        self.dismiss(value)


class CallScreen(Screen):
    CSS_PATH = "call.tcss"
    TITLE_KEY = "call.title"
    HELP_NOTE_KEY = "call.field.called_at_help"  # F1: the call time field
    HELP_MORE_KEYS = ("callhelp.scoring",)  # F1: the score rows and F8 past the deadline
    BINDINGS = [
        *(Binding(key, f"outcome('{code}')", t(f"outcome.{code}"), show=False, id=f"call_outcome_{code}")
          for code, key in OUTCOME_KEYS.items()),
        Binding("ctrl+r", "raise_issue", t("key.raise_issue"), id="call_raise_issue"),
        # The customer card, one section at a time (issue 25 item 7); the focus stays in the form.
        Binding("f2", "card_next", t("card.key_next"), id="call_card_next"),
        Binding("escape", "leave", t("key.back_to_queue"), id="call_leave"),
        # Moving between fields is handled when the key is read, not after the field it leaves
        # has seen it: a fast typist's next keys then land in the field they were meant for.
        Binding("tab", "move_focus(1)", t("firsthour.key.next_field"), show=False, priority=True,
                id="call_next_field"),
        Binding("shift+tab", "move_focus(-1)", t("firsthour.key.prev_field"), show=False, priority=True,
                id="call_prev_field"),
        Binding("enter", "enter_field", t("firsthour.key.next_field"), show=False, priority=True,
                id="call_enter_field"),
    ]

    class Recorded(Message):
        def __init__(self, result: AttemptResult, outcome: str, at: datetime | None = None) -> None:
            super().__init__()
            self.result = result
            self.outcome = outcome
            self.at = at  # the stated call time, when one was typed

    def __init__(self, view: svc.CallView, carry: dict | None = None) -> None:
        super().__init__()
        self.view = view
        self.carry = carry or {}
        self.script = load_script(view.callback.kind)
        self._draft_timer = None
        self._pending: dict | None = None
        self._drafts: _Drafts | None = None
        self._issue_draft: IssueInput | None = None  # the issue typed and kept, not saved (Ctrl+R offers it again)
        # The claim follows the person (issue 21 §4): renewed up to their last key, let go after
        # IDLE_LIMIT_SECONDS without one, taken again when they come back if nobody else has it.
        self._claimed = True
        self._idle_note = False  # let go for idleness; the person has not been told yet
        self._opened_at: datetime | None = None
        self._renewed_to: datetime | None = None
        self._seen_version = view.callback.version
        self._last_refusal = ""
        self._gone = False  # reassigned or closed meanwhile: not worth claiming again

    # -- layout -------------------------------------------------------------------
    @property
    def phase(self) -> Phase:
        return self.form.phase

    def compose(self) -> ComposeResult:
        cb = self.view.callback
        self.form = CallForm(self.script, self._placeholders(), cb.number, cb.contact_name, self.view.to_verify,
                             id="call-form")
        yield AppHeader()
        with Horizontal(id="call-body"):
            yield CustomerCard(id="call-card")
            yield self.form
        yield OutcomeBar(id="call-outcomes")
        yield KeyBar()

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
        self._opened_at = self._renewed_to = self.app.now()
        self.set_interval(HEARTBEAT_SECONDS, self._tick)
        if self.view.draft:
            self.app.push_screen(ConfirmDialog(t("call.draft_offer")), self._draft_answer)
        else:
            self.form.go(Phase.EDITING)
            self._apply_carry()
            self._focus_first(suggested=True)

    def on_unmount(self) -> None:
        # Only when the app quits with the call open: flush the pending draft and drop the claim
        # here (a worker would not outlive the app). A crash leaves the claim to expire instead.
        if self.phase in (Phase.LEFT, Phase.DONE) or self._drafts is None:
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
        if self.phase is not Phase.LOADING:
            return  # left meanwhile
        if restore:
            self.form.load(self.view.draft or {})
            self.notify(t("call.draft_restored"))
        self.form.go(Phase.EDITING)
        if not restore:
            self._apply_carry()
        self._focus_first(suggested=not restore)

    def _focus_first(self, suggested: bool) -> None:
        """The cursor in 接听人 as the call opens. A name the app suggested (the contact, or the
        person reached on the customer's previous callback) is selected, so the first key typed
        replaces it when someone else answers; what the agent typed (a restored draft) is not, and
        Tab back into any field puts the cursor at its end (issue 25 item 8)."""
        field = self.query_one("#reached_name", Input)
        field.focus()
        if suggested and field.value:
            field.call_after_refresh(field.select_all)

    def _apply_carry(self) -> None:
        """The same customer's previous callback of this call (issue 16 item 6): the person reached
        carries over; its scores are only offered on each score row (Enter adopts one), never copied."""
        if not self.carry:
            return
        for name in ("reached_name", "reached_position", "called_at"):
            if self.carry.get(name):
                self.query_one(f"#{name}", Input).value = self.carry[name]
        for name, score in self.carry.get("scores", {}).items():
            if score:
                self.query_one(f"#{name}", ScoreRow).offer = score

    # -- the form as data (drafts) ------------------------------------------------
    def form_data(self) -> dict:
        return self.form.data()

    def apply_form(self, data: dict) -> None:
        self.form.load(data)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(ScoreRow.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        if not self.form.editing:
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

    def action_move_focus(self, step: int) -> None:
        if step > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def action_enter_field(self) -> None:
        """Enter in a text field or a score row goes on to the next field (other widgets,
        e.g. a radio set or a checkbox, keep their own Enter)."""
        focused = self.focused
        if not isinstance(focused, Input | ScoreRow):
            raise SkipAction()
        if isinstance(focused, ScoreRow) and focused.value is None and focused.offer:
            focused.value = focused.offer  # the agent adopts the previous callback's score
        self.focus_next()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    # -- outcomes -----------------------------------------------------------------
    def action_outcome(self, outcome: str) -> None:
        if not self.form.editing or not self._called_at_readable(t("call.cannot_save")):
            return
        if outcome == "reschedule":
            self._ask_reschedule()
            return
        if outcome in NEEDS_REASON:
            self._ask_reason(outcome)
            return
        rec = self.form.record(outcome)
        errors = validate(rec)
        if errors:
            self.notify("\n".join(errors), title=t("call.cannot_save"), severity="error", timeout=8)
            self.form.focus_first_missing(rec)
            return
        closing = self.view.closing.get(outcome)  # the service read it with the card
        if closing is None:
            self.form.go(Phase.SAVING)
            self._save(rec)
            return
        question = t(f"firsthour.confirm.{closing}", number=self.view.callback.number,
                     outcome=t(f"outcome.{outcome}"), n=self.view.callback.attempts + 1)

        def answer(yes: bool | None) -> None:
            if yes and self.form.editing:
                self.form.go(Phase.SAVING)
                self._save(rec)

        self.app.push_screen(FinalOutcomeDialog(question), answer)

    def _ask_reason(self, outcome: str) -> None:
        """拒访: the confirmation is the reason's dialog; it names what closes (this callback and
        the rest of the call, the 同日合并 line)."""
        number = self.view.callback.number
        also = [o.number for o in self.view.same_day]
        closes = (t("onecall.reason_closes_also", number=number, numbers="、".join(also)) if also
                  else t("onecall.reason_closes", number=number))
        dlg = RefusalDialog(f"{t('onecall.reason_title')}\n{closes}", t("onecall.reason_hint"),
                            placeholder=t("onecall.reason_placeholder"))

        def done(reason: str | None) -> None:
            if not reason or not self.form.editing:
                return
            rec = self.form.record(outcome)
            rec.reason = reason
            errors = validate(rec)
            if errors:
                self.notify("\n".join(errors), title=t("call.cannot_save"), severity="error", timeout=8)
                self.form.focus_first_missing(rec)
                return
            self.form.go(Phase.SAVING)
            self._save(rec)

        self.app.push_screen(dlg, done)

    def _ask_reschedule(self, value: str = "") -> None:
        dlg = TextDialog(t("call.reschedule_title"), t("call.reschedule_hint"), value=value,
                         placeholder="明天 15:00 / 下周一 10:00 / 5-6 15:00 / +2d")

        def done(text: str | None) -> None:
            if text and self.form.editing:
                self.form.go(Phase.SAVING)
                self._save(self.form.record("reschedule"), to_text=text)

        self.app.push_screen(dlg, done)

    # -- the call time (issue 23: the stated time is the record) --------------------
    def _called_at_readable(self, title: str) -> bool:
        """The 通话时间 field, when filled, must read as a time (the reader of ``record --when``);
        else an error naming the field with examples, and the field is focused."""
        text = self.form.called_at
        if not text:
            return True
        try:
            parse_when(text, self.app.now())
        except OutcomeError as e:
            self.notify(t("call.err.called_at", message=outcome_message(e)), title=title, severity="error",
                        timeout=10, markup=False)
            self.query_one("#called_at", Input).focus()
            return False
        return True

    def _save(self, rec: CallRecord, to_text: str = "") -> None:
        """Save in a worker, with the call time as typed, read against the app's clock now."""
        self._submit(rec, to_text, self.form.called_at, self.app.now())

    def _stated(self, text: str, ref: datetime) -> datetime | None:
        """In a worker: the call time with the store's work hours (a date alone: its first one)."""
        if not text:
            return None
        try:
            return stated_time(self.app.store, text, ref)
        except OutcomeError as e:
            raise ValidationError(t("call.err.called_at", message=outcome_message(e))) from None

    @in_thread("call-record", exclusive=True, holds_keys=True)  # past the deadline: "ask the supervisor"
    def _submit(self, rec: CallRecord, to_text: str = "", called_at: str = "",
                ref: datetime | None = None) -> None:
        """The service records the attempt, and a not-reached one on the customer's other
        callbacks of this call too (SPEC §3: one phone call per customer). A 改约 time is read
        by the same service as ``huifang record --to`` (working days and hours), from the
        stated call time when there is one."""
        self._drafts.close()  # no draft write may land after the record deletes the draft
        try:
            rec.at = self._stated(called_at, ref or self.app.now())
            if to_text:
                rec.to = reschedule_time(self.app.store, to_text, rec.at)  # from the stated time, else now
            result = record_attempt(self.app.store, self.app.actor, self.view.callback.number, rec)
        except Exception:
            self._drafts.reopen()
            raise
        self.post_message(self.Recorded(result, rec.outcome, rec.at))

    @on(Recorded)
    def _on_recorded(self, event: Recorded) -> None:
        self.form.go(Phase.DONE)
        msg = next_step(event.result, event.outcome, self.app.now())
        self.app.notify(msg, timeout=6)
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self._pending = None
        carry = self._carry_for_next(event.outcome, event.at)
        self.dismiss_call(released=True)
        if event.outcome == "completed" and self.view.same_day:
            nxt = self.view.same_day[0]
            self.app.notify(t("call.continue_same", number=nxt.number, kind=t(f"kind.{nxt.kind}")), timeout=6)
            self.app.open_call(nxt.number, carry=carry)

    def _carry_for_next(self, outcome: str, at: datetime | None = None) -> dict:
        """What the next callback of the same call is offered: the person reached and the scores;
        the stated call time as read (the same phone call: ``-2h`` must not move meanwhile)."""
        if outcome != "completed":
            return {}
        d = self.form.data()
        return {"from": self.view.callback.number, "reached_name": d["reached_name"].strip(),
                "reached_position": d["reached_position"].strip(),
                "scores": {f.name: d[f.name] for f in SCORE_FIELDS},
                "called_at": f"{at:%Y-%m-%d %H:%M:%S}" if at is not None else ""}

    @on(WorkFailed)
    def _work_failed(self, event: WorkFailed) -> None:
        """The app shows the failure, under "cannot save"; an outcome not saved goes back to editing."""
        if event.doing == "call-record" and self.phase is Phase.SAVING:
            self.form.go(Phase.EDITING)  # the outcome was not saved: the agent may try again
            self._keep_draft()  # and nothing typed is lost, whatever changed under the call
            self._check_claim(self.app.last_active or self.app.now())  # say what changed
        if isinstance(event.error, NeedsSupervisor):  # past the deadline: offer to ask (issue 25 item 5)
            event.stop()
            self._offer_request(event.error)
            return
        event.title = t("call.cannot_save")

    def _offer_request(self, error: NeedsSupervisor) -> None:
        """The refusal, titled for what it is, offering to ask the supervisor with the time wanted
        and the note typed carried over; once asked the call is left (the draft kept, the claim
        let go: the supervisor applies it), and the queue shows the answer."""
        from .requests import AskSupervisorDialog

        def done(view) -> None:  # noqa: ANN001
            if view is None:
                return
            self.app.notify(t("requests.asked", number=view.number, what=view.what()), timeout=8, markup=False)
            if self.form.editing:
                self.action_leave()

        self.app.push_screen(AskSupervisorDialog(error, self.form.data().get("note", "")), done)

    def action_card_next(self) -> None:
        self.query_one(CustomerCard).next_page()

    # -- issue, leaving -----------------------------------------------------------
    def action_raise_issue(self) -> None:
        if not self.form.editing or not self._called_at_readable(t("key.raise_issue")):
            return

        dialog = IssueDialog(self._issue_draft)  # what was kept in this call, offered again

        def done(value: IssueInput | None) -> None:
            self._issue_draft = dialog.kept
            if value is not None:
                self._raise(value, self.form.called_at, self.app.now())

        self.app.push_screen(dialog, done)

    @in_thread("call-issue")
    def _raise(self, value: IssueInput, called_at: str = "", ref: datetime | None = None) -> None:
        issue = issues_svc.raise_issue(self.app.store, self.app.actor, self.view.callback.number,
                                title=value.title, description=value.description, category=value.category,
                                priority=value.priority, is_complaint=value.is_complaint,
                                department=value.department,
                                when=self._stated(called_at, ref or self.app.now()))  # on the call: its time
        key = "call.issue_raised_complaint" if issue.is_complaint else "call.issue_raised"
        self.app.call_from_thread(self.notify, t(key, number=issue.number, solve_by=issue.solve_by.isoformat()))

    def action_leave(self) -> None:
        if self.phase not in (Phase.LOADING, Phase.EDITING):
            return
        self._stop_timer()
        self.form.go(Phase.LEFT)
        self.dismiss_call(released=False)

    def dismiss_call(self, *, released: bool) -> None:
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

    # -- the claim follows the person (issue 21 §4, issue 22 §2) -------------------
    def _live(self) -> bool:
        return self.phase in (Phase.LOADING, Phase.EDITING)

    def _idle_seconds(self, now: datetime) -> float:
        last = self.app.last_active or self._opened_at or now
        return (now - last).total_seconds()

    def _tick(self) -> None:
        """Every HEARTBEAT_SECONDS: renew the claim up to the last key, or let it go when there
        has been none for IDLE_LIMIT_SECONDS (the person is away; a frozen terminal too)."""
        if not self._live():
            return
        now = self.app.now()
        if self._idle_seconds(now) > IDLE_LIMIT_SECONDS:
            if self._claimed:
                self._let_go()
            return  # away: claimed again when they come back
        if self._gone:
            return  # told once; the agent's next outcome gets the plain reason from the service
        self._check_claim(self.app.last_active or now)

    def _let_go(self) -> None:
        """Save what is typed as a draft, then release the claim (this process's only)."""
        self._claimed, self._idle_note = False, True
        self._stop_timer()
        drafts, store, actor, number = self._drafts, self.app.store, self.app.actor, self.view.callback.number

        def release() -> None:  # in a worker owned by the app: the screen may be left meanwhile
            if drafts is not None:
                drafts.write()
            svc.release(store, actor, number)

        self.app.db_task(release)

    def person_active(self, now: datetime, before: datetime | None) -> None:
        """Called by the app on every key or click, before the key does anything."""
        if not self._live():
            return
        if self._idle_note or (self._claimed and before is not None
                               and (now - before).total_seconds() > IDLE_LIMIT_SECONDS):
            # Back after the idle limit (let go by the tick, or expired between two ticks).
            self._claimed, self._idle_note = False, False
            self.notify(t("claim.idle_released", n=IDLE_LIMIT_SECONDS // 60), severity="warning", timeout=12)
            self._check_claim(now, loud=True)
        elif self._claimed and self._renewed_to is not None \
                and (now - self._renewed_to).total_seconds() > IDLE_LIMIT_SECONDS / 2:
            self._check_claim(now)  # keys after a quiet spell: renew before the claim runs out

    @in_thread("call-claim")
    def _check_claim(self, active_at: datetime, loud: bool = False) -> None:
        """Renew the claim (a claim lost meanwhile is taken again if nobody else has the
        customer), and learn whether someone else changed the callback since it was opened."""
        store, actor, number = self.app.store, self.app.actor, self.view.callback.number
        pulse = svc.heartbeat(store, actor, number, active_at=active_at, seen_version=self._seen_version,
                              since=self._opened_at)
        refusal, gone = "", False
        if not pulse.held:
            try:
                svc.reclaim(store, actor, number)
            except svc.ClaimedElsewhere as e:
                refusal = str(e)  # asked again at the next tick: they may have left it by then
            except ServiceError as e:
                refusal, gone = str(e), True  # not theirs any more, or closed
        self.app.call_from_thread(self._claim_checked, pulse, active_at, refusal, loud, gone)

    def _claim_checked(self, pulse: svc.Pulse, active_at: datetime, refusal: str, loud: bool,
                       gone: bool = False) -> None:
        if not self._live():
            return
        self._gone = gone
        if pulse.version != self._seen_version:
            self._seen_version = pulse.version
            if pulse.changes:
                self._keep_draft()
                self.notify("\n".join([*pulse.changes, t("claim.kept_draft")]), title=t("claim.changed_title"),
                            severity="warning", timeout=20, markup=False)
        if refusal:
            self._claimed = False
            if loud or refusal != self._last_refusal:
                self._keep_draft()
                self.notify(f"{refusal}\n{t('claim.kept_draft')}", severity="warning", timeout=15, markup=False)
            self._last_refusal = refusal
            return
        was = self._claimed
        self._claimed, self._last_refusal = True, ""
        self._renewed_to = max(self._renewed_to or active_at, active_at) if pulse.held else self.app.now()
        if not pulse.held and (loud or not was):
            self.notify(t("claim.reclaimed"), timeout=6)

    def _keep_draft(self) -> None:
        """Write what is typed now as the draft (something changed under the call)."""
        data = self.form_data()
        if self._drafts is None or (data == self._pristine and not self.view.draft):
            return
        self._drafts.offer(data)
        self.app.db_task(self._drafts.write)
