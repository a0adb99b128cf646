from django.db.models import QuerySet

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.orders.models import Order


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
