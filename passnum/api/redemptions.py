import datetime
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router

from passnum.accounts.enums import OrganisationKind
from passnum.api.auth import acting_of
from passnum.api.schemas import Error, PassOut, RedeemedPass, RedemptionIn, RedemptionOut
from passnum.api.throttle import count_code_checks, count_unknown_codes
from passnum.api.types import NonNegativeInt64, PositiveInt64, Text
from passnum.catalogue.selectors import get_service
from passnum.passes import codes as pass_codes
from passnum.passes.models import Pass
from passnum.places.selectors import place_for_redemption
from passnum.redemptions import selectors
from passnum.redemptions.exceptions import RedemptionRefused
from passnum.redemptions.models import Redemption
from passnum.redemptions.services import redeem_passes, undo_redemption

router = Router(tags=["Utilisation des pass"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def redemption_out(redemption: Redemption, passes: tuple[Pass, ...] = ()) -> dict:
    """`passes`: the passes when the caller has them (a fresh redemption) — saves a query."""
    triples = (
        sorted((p.code, p.serial, p.order.face_value_cents) for p in passes)
        if passes
        else selectors.passes_of(redemption)
    )
    return {
        "id": redemption.pk,
        "place_id": redemption.place_id,
        "service": redemption.service.code,
        "price_cents": redemption.price_cents,
        "amount_cents": redemption.amount_cents,
        "complement_cents": redemption.complement_cents,
        "created_at": redemption.created_at,
        "undo_until": redemption.created_at
        + datetime.timedelta(minutes=settings.PASSNUM_UNDO_MINUTES),
        "undone_at": redemption.undone_at,
        "passes": [
            RedeemedPass(code=pass_codes.display(code), serial=serial, face_value_cents=face)
            for code, serial, face in sorted(triples, key=lambda triple: triple[1])
        ],
    }


@router.get(
    "/passes/{code}", response={200: PassOut, 429: Error, **ERRORS}, summary="Vérifier un pass"
)
def get_pass(
    request: HttpRequest,
    code: Annotated[Text, Field(max_length=64)],
    place_id: PositiveInt64 | None = None,
    service: Annotated[Text, Field(max_length=50)] | None = None,
    price_cents: Annotated[int, Field(ge=1, le=1_000_000)] | None = None,
):
    """What a place may know before redeeming: state, value, validity, and — given a place and
    a service (and the price asked) — whether every rule allows it here, with the reasons if
    not (the same rules as the redemption, the place's offer and price included)."""
    acting = acting_of(request)
    acting.require_kind(OrganisationKind.PROVIDER, OrganisationKind.OPERATOR)
    count_code_checks(request)
    place = place_for_redemption(acting=acting, place_id=place_id) if place_id is not None else None
    service_obj = get_service(code=service) if service else None
    check = selectors.check_pass(
        acting=acting, raw_code=code, place=place, service=service_obj, price_cents=price_cents
    )
    return {
        "code": pass_codes.display(check.code),
        "known": check.known,
        "status": check.status,
        "face_value_cents": check.face_value_cents,
        "expires_on": check.expires_on,
        "usable": check.usable,
        "refusals": [{"code": r.code, "message": r.message} for r in check.refusals],
    }


@router.post(
    "/redemptions",
    response={201: RedemptionOut, 413: Error, 429: Error, **ERRORS},
    summary="Payer avec des pass",
)
def create_redemption(
    request: HttpRequest,
    response: HttpResponse,
    payload: RedemptionIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", max_length=100, pattern=r"^[\x21-\x7e]+$"
    ),
):
    """All or nothing: every pass is redeemed, or none and each refusal is explained.

    Send an `Idempotency-Key` header (a UUID per payment; printable ASCII, 100 characters at
    most) to retry safely: the same key and request return the first answer, with
    `Idempotent-Replayed: true`."""
    acting = acting_of(request)
    acting.require_kind(OrganisationKind.PROVIDER)
    place = place_for_redemption(acting=acting, place_id=payload.place_id)
    service = get_service(code=payload.service)
    try:
        result = redeem_passes(
            acting=acting,
            place=place,
            service=service,
            price_cents=payload.price_cents,
            codes=payload.codes,
            idempotency_key=idempotency_key,
        )
    except RedemptionRefused as refused:
        count_unknown_codes(request, refused)  # 429 past the limit of code checks
        raise
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return 201, redemption_out(result.redemption, result.passes)


@router.get(
    "/redemptions/{redemption_id}",
    response={200: RedemptionOut, **ERRORS},
    summary="Consulter une utilisation",
)
def get_redemption(request: HttpRequest, redemption_id: PositiveInt64):
    redemption = selectors.redemption_for(acting=acting_of(request), redemption_id=redemption_id)
    return redemption_out(redemption)


@router.delete(
    "/redemptions/{redemption_id}",
    response={200: RedemptionOut, **ERRORS},
    summary="Annuler une utilisation (dans les 15 minutes)",
)
def delete_redemption(request: HttpRequest, redemption_id: PositiveInt64):
    acting = acting_of(request)
    redemption = selectors.redemption_for(acting=acting, redemption_id=redemption_id)
    return redemption_out(undo_redemption(acting=acting, redemption=redemption))


@router.get(
    "/redemptions",
    response={200: list[RedemptionOut], **ERRORS},
    summary="Utilisations de mon organisation",
)
def list_redemptions(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: NonNegativeInt64 = 0,
):
    redemptions = selectors.redemptions_of(acting=acting_of(request))[offset : offset + limit]
    return [redemption_out(redemption) for redemption in redemptions]
