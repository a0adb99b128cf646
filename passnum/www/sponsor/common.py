"""What the ordering pages share: who may open them, and small helpers."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order
from passnum.orders.selectors import order_for
from passnum.www.acting import current_acting

STATUS_BADGES: dict[str, str] = {
    OrderStatus.DRAFT: "fr-badge--info",
    OrderStatus.AWAITING_PAYMENT: "fr-badge--new",
    OrderStatus.PAID: "fr-badge--success",
    OrderStatus.CANCELLED: "fr-badge--error",
    OrderStatus.CLOSED: "",
}


def acting_as(*kinds: OrganisationKind) -> Callable[..., Any]:
    """A page for members acting as one of `kinds` (403 for anyone else logged in). The view
    receives (request, acting, ...)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            acting = current_acting(request)
            if acting is None or acting.kind not in kinds:
                raise PermissionDenied
            return view(request, acting, *args, **kwargs)

        return wrapper

    return decorate


sponsor_page = acting_as(OrganisationKind.SPONSOR)
order_page = acting_as(OrganisationKind.SPONSOR, OrganisationKind.OPERATOR)
operator_page = acting_as(OrganisationKind.OPERATOR)


def scoped_order(acting: Acting, order_id: int) -> Order:
    """The order if `acting` sees it (its sponsor, operator staff), else a 404."""
    try:
        return order_for(acting=acting, order_id=order_id)
    except NotFound as exc:
        raise Http404 from exc


def is_order_sponsor(acting: Acting, order: Order) -> bool:
    return acting.kind == OrganisationKind.SPONSOR and acting.organisation.pk == order.sponsor_id
