"""Small typed dialogs (ModalScreen[T], dismissed with a value)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from ..domain.limits import NAME_MAX, TEXT_MAX
from ..domain.words import ISSUE_CATEGORIES, ISSUE_PRIORITIES
from ..core.i18n import t
from ..widgets.wrapped import Prose


class DialogScroll(VerticalScroll):
    """The long part of a dialog or of a help page (issue 25 item 9): it scrolls within the box, so
    nothing is cut at 80×24. Focusable where the dialog has no field (↑ ↓ PgUp PgDn Home End
    scroll it at once); around fields it is not (focus=False), and PgUp/PgDn reach it from the
    field. While there is more below, the box's bottom edge says so (``scroll.more``)."""

    def __init__(self, *children, focus: bool = True, **kw) -> None:  # noqa: ANN002, ANN003
        super().__init__(*children, can_focus=focus, **kw)

    def on_mount(self) -> None:
        self.call_after_refresh(self.show_more)

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_more)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.show_more()

    def show_more(self) -> None:
        box = next((n for n in self.ancestors_with_self if n.has_class("dialog-box")), None)
        if box is not None:
            box.border_subtitle = t("scroll.more") if self.scroll_y < self.max_scroll_y else ""


class _Dialog(ModalScreen):
    """Every dialog: Esc cancels, F1 lists the dialog's keys (the app's F1 stops at a modal
    screen), PgUp/PgDn scroll a box longer than the screen. A subclass's BINDINGS add to these
    (widgets/keybar.own_bindings)."""

    CSS_PATH = "dialogs.tcss"
    TITLE_KEY = "fit.dialog"  # F1's title: "Keys · Dialog"
    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="dialog_cancel"),
        Binding("f1", "app.help", t("key.help"), show=False, id="dialog_help"),
        Binding("pagedown", "page(1)", t("scroll.page_down"), show=False, id="dialog_page_down"),
        Binding("pageup", "page(-1)", t("scroll.page_up"), show=False, id="dialog_page_up"),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_page(self, step: int) -> None:
        """A page on in the dialog's scrolling part: its DialogScroll, else the box itself (every
        ``.dialog`` box scrolls, dialogs.tcss)."""
        boxes = [*self.query(DialogScroll), *self.query(".dialog")]
        box = next((b for b in boxes if b.max_scroll_y > 0), None)
        if box is not None:
            (box.scroll_page_down if step > 0 else box.scroll_page_up)(animate=False)


class QuestionDialog(_Dialog):
    """A question answered by its subclass's keys (``answer(True/False)``); None on escape."""

    HINT_KEY = "dialog.yes_no"

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-box"):
            with DialogScroll(classes="dialog-scroll"):
                yield Prose(self.question, classes="dialog-body")
            yield Static(t(self.HINT_KEY), classes="dialog-hint")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class ConfirmDialog(QuestionDialog):
    """Yes/no; returns True/False (None on escape)."""

    BINDINGS = [
        Binding("y", "answer(True)", t("key.yes"), id="confirm_yes"),
        Binding("n", "answer(False)", t("key.no"), id="confirm_no"),
        Binding("escape", "cancel", t("key.cancel"), id="dialog_cancel"),
    ]


class MessageDialog(_Dialog):
    """Shows text; any of Enter/Escape closes."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.close"), id="dialog_cancel"),
        Binding("enter", "cancel", t("key.close"), show=False, id="dialog_ok"),
    ]

    def __init__(self, title: str, body: str, *, error: bool = False) -> None:
        super().__init__()
        self.title_text, self.body, self.error = title, body, error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-box"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            with DialogScroll(classes="dialog-scroll"):
                yield Prose(self.body, classes="dialog-body")
            yield Static(t("dialog.close_hint"), classes="dialog-hint")


class TextDialog(_Dialog):
    """One line of text (e.g. 改约 time, a deferral reason); returns the text. Enter is the
    dialog's key (so F1 lists it), taken before the line it would submit."""

    BINDINGS = [Binding("enter", "submit", t("fit.dialog_ok"), show=False, priority=True, id="dialog_submit")]

    def __init__(self, title: str, hint: str = "", value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.hint, self.value, self.placeholder = title, hint, value, placeholder

    def compose(self) -> ComposeResult:
        with DialogScroll(classes="dialog dialog-box", focus=False):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, compact=True, id="dialog-input",
                        max_length=TEXT_MAX)
            yield Prose(self.hint, classes="dialog-hint", id="dialog-error")

    def on_mount(self) -> None:
        self.app.settle_inputs(self)

    def action_submit(self) -> None:
        value = self.query_one("#dialog-input", Input).value.strip()
        if value:
            self.dismiss(value)

    def show_error(self, message: str) -> None:
        self.query_one("#dialog-error", Prose).update(Text(message, style="bold red"))
        box = self.query_one(DialogScroll)
        box.call_after_refresh(box.show_more)


@dataclass
class IssueInput:
    title: str
    description: str
    category: str
    priority: str
    is_complaint: bool
    department: str


class DiscardDialog(QuestionDialog):
    """放弃已填写的内容吗？ y discards, n closes keeping the text (offered again next time), Esc
    goes back to the fields: True / False / None."""

    HINT_KEY = "issuedraft.hint"
    BINDINGS = [
        Binding("y", "answer(True)", t("issuedraft.key_discard"), id="discard_yes"),
        Binding("n", "answer(False)", t("issuedraft.key_keep"), id="discard_keep"),
        Binding("escape", "cancel", t("issuedraft.key_back"), id="dialog_cancel"),
    ]


class LongText(TextArea):
    """A multi-line field of at most ``max_length`` characters (typing and pasting stop there);
    Tab goes on to the next field."""

    def __init__(self, text: str = "", *, max_length: int, **kw) -> None:  # noqa: ANN003
        super().__init__(text, soft_wrap=True, tab_behavior="focus", compact=True, **kw)
        self.max_length = max_length

    def _replace_via_keyboard(self, insert, start, end):  # noqa: ANN001, ANN202
        room = self.max_length - (len(self.text) - len(self.get_text_range(start, end)))
        return super()._replace_via_keyboard(insert[:max(room, 0)], start, end)


class IssueDialog(_Dialog):
    """登记问题 from a call (001 六): category, priority, complaint flag, department. Esc with text
    typed asks first (放弃已填写的内容吗？); kept text (``kept``) is offered again by the caller
    (``draft``)."""

    BINDINGS = [
        Binding("escape", "cancel", t("key.cancel"), id="dialog_cancel"),
        Binding("ctrl+s", "save", t("key.save"), id="issue_save"),
    ]

    def __init__(self, draft: IssueInput | None = None) -> None:
        super().__init__()
        self.draft = draft
        self.kept: IssueInput | None = None  # what was typed, when closed without saving nor discarding

    def compose(self) -> ComposeResult:
        d = self.draft or IssueInput("", "", "service", "normal", False, "")
        with DialogScroll(classes="dialog dialog-wide dialog-box", focus=False):
            yield Static(Text(t("issue.dialog_title"), style="bold"), classes="dialog-title")
            yield Label(t("issue.field.title"))
            yield Input(d.title, compact=True, id="issue-title", placeholder=t("issue.field.title_ph"),
                        max_length=NAME_MAX, select_on_focus=False)  # Tab keeps a field's text, the cursor at its end
            yield Label(t("issue.field.description"))
            yield LongText(d.description, id="issue-description", max_length=TEXT_MAX)
            with Horizontal(classes="dialog-row"):
                yield Select([(t(f"issue.category.{c}"), c) for c in ISSUE_CATEGORIES],
                             value=d.category, allow_blank=False, compact=True, id="issue-category")
                yield Select([(t(f"issue.priority.{p}"), p) for p in ISSUE_PRIORITIES],
                             value=d.priority, allow_blank=False, compact=True, id="issue-priority")
            yield Checkbox(t("issue.field.complaint"), d.is_complaint, compact=True, id="issue-complaint")
            yield Label(t("issue.field.department"))
            yield Input(d.department, compact=True, id="issue-department", placeholder=t("issue.field.department_ph"),
                        max_length=NAME_MAX, select_on_focus=False)
            yield Static(t("issue.dialog_hint"), classes="dialog-hint", id="issue-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("key.save"), id="issue-save", variant="primary", compact=True)

    def typed(self) -> IssueInput:
        return IssueInput(
            title=self.query_one("#issue-title", Input).value,
            description=self.query_one("#issue-description", LongText).text,
            category=str(self.query_one("#issue-category", Select).value),
            priority=str(self.query_one("#issue-priority", Select).value),
            is_complaint=self.query_one("#issue-complaint", Checkbox).value,
            department=self.query_one("#issue-department", Input).value,
        )

    def action_cancel(self) -> None:
        typed = self.typed()
        if not (typed.title.strip() or typed.description.strip() or typed.department.strip()):
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard is None:
                return  # back to the fields
            self.kept = None if discard else typed
            self.dismiss(None)

        self.app.push_screen(DiscardDialog(t("issuedraft.question")), answered)

    @on(Button.Pressed, "#issue-save")
    def _pressed(self) -> None:
        self.action_save()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        title = self.query_one("#issue-title", Input).value.strip()
        if not title:
            self.query_one("#issue-error", Static).update(Text(t("issue.err.title"), style="bold red"))
            self.query_one("#issue-title", Input).focus()
            return
        typed = self.typed()
        typed.title = title
        self.dismiss(typed)
