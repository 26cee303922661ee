"""Customer card beside the call script: tier, contacts, past callbacks, open issues, improvements."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from ..domain.follow_up import is_low_score
from ..core.i18n import t
from ..core.safe_text import clean


def _line(label: str, value: object, style: str = "") -> Text:
    out = Text()
    out.append(label + t("card.colon"), style="dim")
    out.append(clean(value), style=style)
    return out


def card_renderable(view) -> Group:  # noqa: ANN001 - services.calls.CallView
    c, cb = view.customer, view.callback
    parts: list = []
    title = Text(clean(c.name), style="bold")
    parts.append(title)
    parts.append(_line(t("card.tier"), t(f"tier.{c.tier}") + " · " + (t("card.member") if c.is_member else t("card.non_member"))))
    if c.region:
        parts.append(_line(t("card.region"), c.region))
    parts.append(_line(t("card.callback"), f"{cb.number} · {t(f'kind.{cb.kind}')}"))
    deadline = cb.deadline_at.strftime("%Y-%m-%d %H:%M") if cb.deadline_at else cb.deadline_on.isoformat()
    parts.append(_line(t("card.due"), f"{cb.due_on.isoformat()} → {deadline}"))
    if cb.attempts:
        parts.append(_line(t("card.attempts"), str(cb.attempts)))
    if view.work_order is not None:
        wo = view.work_order
        parts.append(_line(t("card.work_order"), f"{wo.number} {wo.product}"))
        if wo.description:
            parts.append(_line(t("card.problem"), wo.description))
    if view.same_day:
        parts.append(_line(t("card.same_day"), "、".join(f"{o.number} {t(f'kind.{o.kind}')}" for o in view.same_day), "bold yellow"))
    parts.append(Text(""))
    parts.append(Text(t("card.contacts"), style="bold underline"))
    for ct in view.contacts:
        line = Text()
        line.append(clean(ct.name), style="bold" if ct.name == cb.contact_name else "")
        if ct.role:
            line.append(f" · {clean(ct.role)}", style="dim")
        line.append(f"  {clean(ct.phone)}")
        if ct.needs_correction:
            line.append(" " + t("card.phone_flagged"), style="bold red")
        parts.append(line)
    parts.append(Text(""))
    parts.append(Text(t("card.history"), style="bold underline"))
    if not view.history:
        parts.append(Text(t("card.none"), style="dim"))
    for h in view.history:
        line = Text()
        when = h.completed_at.strftime("%Y-%m-%d") if h.completed_at else ""
        line.append(f"{when} {t(f'kind.{h.kind}')} ")
        for s in (h.score_resolution, h.score_attitude):
            line.append(f"{s if s is not None else '-'}", style="bold red" if is_low_score(s, view.low_score_threshold) else "bold green")
            line.append(" ")
        if h.suggestions:
            line.append(clean(h.suggestions)[:30], style="dim")
        parts.append(line)
    parts.append(Text(""))
    parts.append(Text(t("card.open_issues"), style="bold underline"))
    if not view.open_issues:
        parts.append(Text(t("card.none"), style="dim"))
    for i in view.open_issues:
        style = "bold red" if i.is_complaint else ""
        parts.append(Text(f"{i.number} {t(f'issue.priority.{i.priority}')} ", style=style) + Text(clean(i.title)))
    if view.to_verify:
        parts.append(Text(""))
        parts.append(Text(t("card.to_verify"), style="bold underline yellow"))
        for i in view.to_verify:
            parts.append(Text(f"{i.number} ") + Text(clean(i.solution or i.title)))
    return Group(*parts)


class CustomerCard(Static):
    """Shows a CallView; never queries the database itself."""

    def show(self, view) -> None:  # noqa: ANN001
        self.update(card_renderable(view))
