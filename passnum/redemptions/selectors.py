from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service
from passnum.core.exceptions import NotFound
from passnum.orders.models import Order
from passnum.passes import codes as pass_codes
from passnum.passes.selectors import passes_by_code
from passnum.places.models import Place
from passnum.places.selectors import offer_prices
from passnum.redemptions import rules
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.rules import Reason, Refusal


@dataclass
class PassCheck:
    """What a place may know about a pass before redeeming it."""

    code: str
    known: bool
    status: str | None = None
    face_value_cents: int | None = None
    expires_on: object = None
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.known and not self.refusals


def check_pass(
    *,
    acting: Acting,
    raw_code: str,
    place: Place | None = None,
    service: Service | None = None,
    price_cents: int | None = None,
) -> PassCheck:
    """The pass's state and, given a place (and a service, and a price), every reason the
    redemption would be refused there: the same rules as `redeem_passes`."""
    acting.require_kind(OrganisationKind.PROVIDER, OrganisationKind.OPERATOR)
    code = pass_codes.normalise(raw_code)
    problem = rules.code_refusal(code)
    if problem:
        return PassCheck(code=code, known=False, refusals=[problem])
    item = passes_by_code([code]).get(code)
    if item is None:
        return PassCheck(
            code=code,
            known=False,
            refusals=[Refusal(Reason.UNKNOWN_PASS, _("Ce code ne correspond à aucun pass."), code)],
        )
    order: Order = item.order
    refusals = []
    if place is not None:
        place_problem = rules.place_refusal(place)
        if place_problem:
            refusals.append(place_problem)
        elif service is not None:
            offer_problem = rules.offer_refusal(
                offers=offer_prices(place), service=service, price_cents=price_cents
            )
            if offer_problem:
                refusals.append(offer_problem)
    problem = rules.pass_refusal(item, place=place, service=service, today=timezone.localdate())
    if problem and problem.code == Reason.ALREADY_REDEEMED:
        line = (
            RedemptionLine.objects.select_related("redemption__place")
            .filter(pass_item=item, undone=False)
            .first()
        )
        if line:
            problem = rules.already_redeemed_refusal(
                code, when=line.redemption.created_at, place=line.redemption.place
            )
    if problem:
        refusals.append(problem)
    return PassCheck(
        code=code,
        known=True,
        status=item.status,
        face_value_cents=order.face_value_cents,
        expires_on=order.expires_on,
        refusals=refusals,
    )


def redemptions_of(*, acting: Acting) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(organisation=acting.organisation)
        .select_related("place", "service")
        .order_by("-created_at", "-pk")
    )


def redemption_for(*, acting: Acting, redemption_id: int) -> Redemption:
    redemption = redemptions_of(acting=acting).filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound()
    return redemption


def passes_of(redemption: Redemption) -> list[tuple[str, int, int]]:
    """(code, serial, face value) of each pass of the redemption."""
    return [
        (line.pass_item.code, line.pass_item.serial, line.pass_item.order.face_value_cents)
        for line in RedemptionLine.objects.select_related("pass_item__order")
        .filter(redemption=redemption)
        .order_by("pass_item__serial")
    ]


def recent_redemptions_at(*, acting: Acting, place: Place, limit: int = 50) -> list[Redemption]:
    """The place's latest redemptions, newest first, undone ones included, each with its lines
    and their passes (`redemption.lines.all()`): three queries whatever `limit`. Only the
    acting organisation's: another's place gives an empty list (its pages 404 before)."""
    lines = RedemptionLine.objects.select_related("pass_item__order").order_by("pass_item__serial")
    return list(
        redemptions_of(acting=acting)
        .filter(place_id=place.pk)
        .prefetch_related(Prefetch("lines", queryset=lines))[:limit]
    )
