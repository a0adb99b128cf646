from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound, PermissionDenied
from passnum.orders.enums import InvoiceKind, OrderStatus
from passnum.orders.models import Invoice, Order, OrderTransition, Payment

if TYPE_CHECKING:
    from passnum.jobs.models import Job


def orders_visible_to(*, acting: Acting) -> QuerySet[Order]:
    """Sponsors see their own orders; operator staff see all; others see none."""
    orders = Order.objects.select_related("sponsor")
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return orders
    if acting.organisation.kind == OrganisationKind.SPONSOR:
        return orders.filter(sponsor=acting.organisation)
    return orders.none()


def order_for(*, acting: Acting, order_id: int) -> Order:
    order = orders_visible_to(acting=acting).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


def amount_received_cents(*, order: Order) -> int:
    """What has been received for `order` so far: the sum of its payments."""
    return Payment.objects.filter(order=order).aggregate(total=Sum("amount_cents"))["total"] or 0


def invoices_visible_to(*, acting: Acting) -> QuerySet[Invoice]:
    """Invoices and credit notes of the orders `acting` sees (a sponsor: its own)."""
    return Invoice.objects.select_related("order", "corrects").filter(
        order__in=orders_visible_to(acting=acting)
    )


def invoice_for(*, acting: Acting, invoice_id: int) -> Invoice:
    invoice = invoices_visible_to(acting=acting).filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound()
    return invoice


def with_amounts(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Each order with `received_cents` (its payments so far) and `invoice_number` ("" before
    its quote is accepted): one query for a whole list."""
    received = (
        Payment.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    number = Invoice.objects.filter(order=OuterRef("pk"), kind=InvoiceKind.INVOICE).values(
        "number"
    )[:1]
    return orders.annotate(
        received_cents=Coalesce(Subquery(received), Value(0)),
        invoice_number=Coalesce(Subquery(number), Value("")),
    )


def payments_awaited(*, acting: Acting) -> QuerySet[Order]:
    """Operator staff: every order awaiting payment, the oldest first, with its amounts."""
    if acting.organisation.kind != OrganisationKind.OPERATOR:
        raise PermissionDenied()
    return with_amounts(
        Order.objects.select_related("sponsor").filter(status=OrderStatus.AWAITING_PAYMENT)
    ).order_by("created_at", "pk")


def payments_of(*, order: Order) -> QuerySet[Payment]:
    """The payments of an order the caller already sees (`order_for`)."""
    return Payment.objects.filter(order=order).select_related("recorded_by")


def documents_of(*, order: Order) -> QuerySet[Invoice]:
    """The invoice and credit notes of an order the caller already sees (`order_for`)."""
    return Invoice.objects.filter(order=order).order_by("issued_at", "pk")


def transitions_of(*, order: Order) -> QuerySet[OrderTransition]:
    """The history of an order the caller already sees (`order_for`)."""
    return OrderTransition.objects.filter(order=order).select_related("actor")


def order_jobs(*, acting: Acting, order: Order, kind: str) -> "QuerySet[Job]":
    """The background jobs of `kind` the acting organisation started for `order`, newest first
    (jobs are seen only by the organisation that started them)."""
    from passnum.jobs.selectors import jobs_of

    return jobs_of(acting=acting, kind=kind).filter(params__order_id=order.pk)
