"""One-line key bars that fit the terminal: the screen's keys, and the call screen's outcomes.

Textual's Footer composes one widget per key. With the queue's keys that cost ~65 ms of
start-up, more than the rest of the first paint together. Here one widget renders one line.

Nothing is cut silently (issue 16): when the full labels do not fit, the catalog's short forms
(``keyshort.<binding id>``) are used; when even those do not fit, the least important keys are
left out and the F1 key reads "all keys": F1 lists every binding of the screen, shown or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from ..core.i18n import t

HELP_ID = "help"


@dataclass(frozen=True)
class KeyItem:
    key: str  # as shown: "⏎", "f1", "^q"
    label: str
    short: str
    keep: bool = False  # never left out (the F1 key)
    binding_id: str = ""
    more: str = ""  # a kept item's label once others are left out ("all keys")


def own_bindings(node: object) -> list[Binding]:
    """The keys a node of ours answers to, as Textual merges its classes' ``BINDINGS`` (a
    subclass's key replaces its base's; ``inherit_bindings = False`` starts afresh): a dialog
    keeps its base's Esc and F1. Only our own classes' bindings (Textual's are its own)."""
    return _own_of(type(node))


@cache
def _own_of(node_class: type) -> list[Binding]:  # BINDINGS are fixed per class: merged once
    by_key: dict[str, list[Binding]] = {}
    for cls in reversed(node_class.__mro__):
        if not cls.__module__.startswith("huifang_tui"):
            continue
        if cls.__dict__.get("_inherit_bindings", True) is False:
            by_key.clear()
        own: dict[str, list[Binding]] = {}  # one class may bind a key twice, ``check_action`` picking
        for b in cls.__dict__.get("BINDINGS", []):  # the one that answers (the board's Enter)
            if isinstance(b, Binding):
                for key in b.key.split(","):
                    own.setdefault(key.strip(), []).append(b)
        by_key.update(own)
    out: list[Binding] = []
    for b in (b for bs in by_key.values() for b in bs):
        if all(b is not o for o in out):
            out.append(b)
    return out


def reachable_bindings(under, nodes, wanted: Callable[[Binding], bool]) -> list[Binding]:  # noqa: ANN001
    """The ``wanted`` keys of ``nodes`` (screen ``under`` and what is above it in the key
    chain) that answer now: under a modal screen only the app's priority keys reach past it,
    and a key whose action the node refuses (``check_action``, e.g. the board for an agent)
    is left out (asked with the action's parameters: the issue screen offers ``act('ack')``
    only to those who may acknowledge). A key a node nearer the focus answers first hides the
    same key further out (the call screen's F2 is the card's, not the app's queue), unless the
    further one has priority."""
    from textual.actions import ActionError, parse

    def answers(node, b: Binding) -> bool:  # noqa: ANN001
        if node is under.app and under.is_modal and not b.priority:
            return False
        try:
            params = parse(b.action)[2]
        except ActionError:
            params = ()
        return node.check_action(b.action.split("(")[0], params) is not False

    def keys(b: Binding) -> set[str]:
        return {k.strip() for k in b.key.split(",")}

    live = [(node, b) for node in nodes for b in own_bindings(node) if answers(node, b)]
    first = {k for _, b in live if b.priority for k in keys(b)}  # Textual asks priority keys first
    out: list[Binding] = []
    taken: set[str] = set()
    for node in nodes:
        mine = [b for n, b in live if n is node]
        for b in mine:
            if wanted(b) and (b.priority or not keys(b) <= taken | first):
                out.append(b)
        taken |= {k for b in mine for k in keys(b)}
    return out


def short_label(binding_id: str, label: str) -> str:
    """The catalog's short form for a key's label (``keyshort.<id>``), else the label itself."""
    key = f"keyshort.{binding_id}"
    short = t(key)
    return label if short == key else short


def item_width(key: str, label: str) -> int:
    return cell_len(key) + cell_len(label) + 2


def fit(items: list[KeyItem], width: int, *, order: list[int] | None = None) -> tuple[list[tuple[KeyItem, str]], bool]:
    """The items that fit in ``width`` cells, each with the label to show, and whether any
    were left out. Full labels if all fit, else short ones; then leave items out, the last of
    ``order`` (indices, most important first; default: as listed) first, never a ``keep`` one."""
    for use_short in (False, True):
        labels = [i.short if use_short else i.label for i in items]
        if sum(item_width(i.key, lab) for i, lab in zip(items, labels)) <= width:
            return list(zip(items, labels)), False
    labels = [(i.more or i.short) if i.keep else i.short for i in items]
    order = list(range(len(items))) if order is None else order
    shown = set(range(len(items)))
    total = sum(item_width(i.key, lab) for i, lab in zip(items, labels))
    for idx in reversed(order):
        if total <= width:
            break
        if items[idx].keep:
            continue
        shown.discard(idx)
        total -= item_width(items[idx].key, labels[idx])
    return [(items[i], labels[i]) for i in range(len(items)) if i in shown], True


class KeyLine(Widget):
    """Renders ``items()`` on one line, fitted to the widget's width at every render."""

    DEFAULT_CSS = """
    KeyLine {
        height: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.shown: list[tuple[KeyItem, str]] = []
        self.left_out = False

    def items(self) -> tuple[list[KeyItem], list[int] | None]:
        raise NotImplementedError

    def render(self) -> Text:
        items, order = self.items()
        self.shown, self.left_out = fit(items, self.size.width or 80, order=order)
        out = Text(no_wrap=True, overflow="crop")
        for item, label in self.shown:
            out.append(item.key, style="bold reverse")
            out.append(f" {label} ")
        return out


class KeyBar(KeyLine):
    """The screen's and the app's keys with ``show=True``; the rest are on F1."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def bindings(self) -> list[Binding]:
        return reachable_bindings(self.screen, (self.screen, self.app), lambda b: b.show and bool(b.description))

    def items(self) -> tuple[list[KeyItem], list[int]]:
        bindings = self.bindings()
        items = [KeyItem(self.app.get_key_display(b), b.description, short_label(b.id or "", b.description),
                         keep=b.id == HELP_ID, binding_id=b.id or "",
                         more=t("fit.all_keys") if b.id == HELP_ID else "") for b in bindings]
        # Most important first: F1, the screen's first key, quit, then the screen's keys in order.
        first = [i for i, b in enumerate(bindings) if b.id == HELP_ID]
        mine = own_bindings(self.screen)
        screen_keys = [i for i, b in enumerate(bindings) if any(b is o for o in mine)]
        rest = [i for i in range(len(bindings)) if i not in first and i not in screen_keys]
        return items, first + screen_keys[:1] + rest + screen_keys[1:]
