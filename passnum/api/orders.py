from django.http import HttpRequest
from ninja import Query, Router

from passnum.api.auth import acting_of
from passnum.api.schemas import CountOut, Error, OrderIn, OrderOut, PaymentIn, SerialRangeIn
from passnum.api.types import NonNegativeInt64, PositiveInt64
from passnum.orders import selectors
from passnum.orders.drafts import place_order
from passnum.orders.models import Order
from passnum.orders.services import UsageRules, record_payment
from passnum.passes.services import block_passes, issue_passes, unblock_passes

router = Router(tags=["Commandes et pass"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}
BODY_ERRORS = {**ERRORS, 413: Error}  # a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE


def order_out(order: Order) -> dict:
    """`order` as answered; annotated by `selectors.with_amounts` for a list (else two queries)."""
    if not hasattr(order, "received_cents"):
        order = selectors.with_amounts(Order.objects.filter(pk=order.pk)).select_related("sponsor")[
            0
        ]
    return {
        "id": order.pk,
        "reference": order.reference,
        "sponsor": order.sponsor.name,
        "label": order.label,
        "status": order.status,
        "quantity": order.quantity,
        "booklet_size": order.booklet_size,
        "face_value_cents": order.face_value_cents,
        "face_total_cents": order.face_total_cents,
        "upstream_fee_cents": order.upstream_fee_cents,
        "upstream_vat_cents": order.upstream_vat_cents,
        "total_due_cents": order.total_due_cents,
        "amount_received_cents": order.received_cents,  # type: ignore[attr-defined]
        "invoice_number": order.invoice_number,  # type: ignore[attr-defined]
        "valid_until": order.valid_until,
        "expires_on": order.expires_on,
        "issued": order.issued_at is not None,
        "rules": {
            "communes": order.perimeter_communes,
            "epcis": order.perimeter_epcis,
            "departements": order.perimeter_departements,
            "regions": order.perimeter_regions,
            "place_types": order.allowed_place_types,
            "families": order.allowed_families,
            "services": order.allowed_services,
            "usable_from": order.usable_from,
            "usable_until": order.usable_until,
            "target_publics": order.target_publics,
        },
    }


@router.get("/orders", response={200: list[OrderOut], **ERRORS}, summary="Mes commandes")
def list_orders(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: NonNegativeInt64 = 0,
):
    orders = selectors.with_amounts(selectors.orders_visible_to(acting=acting_of(request)))[
        offset : offset + limit
    ]
    return [order_out(order) for order in orders]


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="Une commande")
def get_order(request: HttpRequest, order_id: PositiveInt64):
    return order_out(selectors.order_for(acting=acting_of(request), order_id=order_id))


@router.post("/orders", response={201: OrderOut, **BODY_ERRORS}, summary="Commander des pass")
def post_order(request: HttpRequest, payload: OrderIn):
    """A sponsor orders passes; the answer is the quote (amounts in cents, fees and VAT).

    Unless `draft` is true, the quote is accepted at once: the order awaits payment, its invoice
    is issued and its passes are issued, inactive until the payment (in the background for a
    large order: `issued` becomes true when they are)."""
    rules = UsageRules(**payload.rules.dict())
    order = place_order(
        acting=acting_of(request),
        draft=payload.draft,
        quantity=payload.quantity,
        booklet_size=payload.booklet_size,
        face_value_cents=payload.face_value_cents,
        valid_until=payload.valid_until,
        rules=rules,
        label=payload.label,
    )
    return 201, order_out(order)


@router.post(
    "/orders/{order_id}/issue",
    response={200: OrderOut, **ERRORS},
    summary="Émettre les carnets et les pass (opérateur)",
)
def issue(request: HttpRequest, order_id: PositiveInt64):
    acting = acting_of(request)
    order = selectors.order_for(acting=acting, order_id=order_id)
    return order_out(issue_passes(acting=acting, order=order))


@router.post(
    "/orders/{order_id}/payments",
    response={200: OrderOut, **BODY_ERRORS},
    summary="Enregistrer le paiement (opérateur) : les pass sont activés",
)
def pay(request: HttpRequest, order_id: PositiveInt64, payload: PaymentIn):
    acting = acting_of(request)
    order = selectors.order_for(acting=acting, order_id=order_id)
    return order_out(
        record_payment(
            acting=acting,
            order=order,
            amount_cents=payload.amount_cents,
            reference=payload.reference,
        )
    )


@router.post(
    "/passes/block",
    response={200: CountOut, **BODY_ERRORS},
    summary="Bloquer des pass perdus ou volés",
)
def block(request: HttpRequest, payload: SerialRangeIn):
    count = block_passes(
        acting=acting_of(request),
        serial_first=payload.serial_first,
        serial_last=payload.serial_last,
        reason=payload.reason,
    )
    return {"count": count}


@router.post(
    "/passes/unblock", response={200: CountOut, **BODY_ERRORS}, summary="Débloquer des pass"
)
def unblock(request: HttpRequest, payload: SerialRangeIn):
    count = unblock_passes(
        acting=acting_of(request),
        serial_first=payload.serial_first,
        serial_last=payload.serial_last,
        reason=payload.reason,
    )
    return {"count": count}
