"""Sales (合同 / 销售) as imported: the list that lets a sales lead's conversion be checked
(``huifang sales``; issue 22 §10, SPEC §7 ``leads_converted``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import col, select

from ..store.models import Customer, Sale
from .base import Actor, Store, ValidationError, acting

#: who may list sales: supervisors (and admins, always) and sales managers
ROLES = ("supervisor", "sales_manager")


@dataclass(frozen=True, slots=True)
class SaleRow:
    contract_no: str
    customer: str
    product: str
    sold_on: date
    quantity: int
    amount: Decimal

    def as_json(self) -> dict:
        return {"contract_no": self.contract_no, "customer": self.customer, "product": self.product,
                "sold_on": self.sold_on.isoformat(), "quantity": self.quantity, "amount": str(self.amount)}


def list_sales(store: Store, actor: Actor, *, customer: str | None = None, since: date | None = None,
               until: date | None = None) -> list[SaleRow]:
    """Every sale, by date then contract; ``customer`` a part of the name, ``since``/``until``
    the sale dates (both included)."""
    if since is not None and until is not None and until < since:
        from ..core.i18n import t

        raise ValidationError(t("sales.err.range", since=since.isoformat(), until=until.isoformat()))
    q = select(Sale, Customer.name).join(Customer, Customer.id == Sale.customer_id)
    if customer and customer.strip():
        q = q.where(col(Customer.name).contains(customer.strip(), autoescape=True))
    if since is not None:
        q = q.where(Sale.sold_on >= since)
    if until is not None:
        q = q.where(Sale.sold_on <= until)
    q = q.order_by(Sale.sold_on, Sale.contract_no)
    with store.read() as s:
        acting(s, actor, *ROLES)
        return [SaleRow(x.contract_no, name, x.product or "", x.sold_on, x.quantity, x.amount)
                for x, name in s.exec(q)]
