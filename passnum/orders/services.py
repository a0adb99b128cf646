import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service, ServiceFamily
from passnum.core.money import apply_rate, format_euros
from passnum.core.services import allocate_numbers
from passnum.core.transitions import check_transition
from passnum.orders.enums import ORDER_TRANSITIONS, BookletSize, OrderStatus, TargetPublic
from passnum.orders.exceptions import InvalidOrder, PaymentMismatch
from passnum.orders.models import Order, OrderTransition
from passnum.places.enums import PlaceType

COMMUNE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
EPCI_RE = re.compile(r"^\d{9}$")
DEPARTEMENT_RE = re.compile(r"^(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-8])$")
REGION_RE = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class UsageRules:
    """What a sponsor may restrict (fléchage). Never places by name: places are qualified."""

    communes: Sequence[str] = ()
    epcis: Sequence[str] = ()
    departements: Sequence[str] = ()
    regions: Sequence[str] = ()
    place_types: Sequence[str] = ()
    families: Sequence[str] = ()
    services: Sequence[str] = ()
    usable_from: datetime.date | None = None
    usable_until: datetime.date | None = None
    target_publics: Sequence[str] = field(default_factory=tuple)


def default_valid_until(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return datetime.date(today.year, 12, 31)


def create_order(
    *,
    acting: Acting,
    quantity: int,
    booklet_size: int = BookletSize.TEN,
    sponsor: Organisation | None = None,
    face_value_cents: int | None = None,
    valid_until: datetime.date | None = None,
    rules: UsageRules | None = None,
    label: str = "",
) -> Order:
    """A sponsor orders passes (an operator may order on a sponsor's behalf).

    Computes the quote with the instance's current rates (SPEC §2) and opens the order's escrow.
    """
    sponsor = _ordering_sponsor(acting=acting, sponsor=sponsor)
    rules = rules or UsageRules()
    if face_value_cents is None:
        face_value_cents = settings.PASSNUM_FACE_VALUE_CENTS
    today = timezone.localdate()
    valid_until = valid_until or default_valid_until(today)
    _validate_quantity(
        quantity=quantity, booklet_size=booklet_size, face_value_cents=face_value_cents
    )
    if valid_until < today:
        raise InvalidOrder(_("La fin de validité ne peut pas être dans le passé."))
    _validate_rules(rules)

    face_total = quantity * face_value_cents
    fee = apply_rate(face_total, settings.PASSNUM_UPSTREAM_FEE_BPS)
    vat = apply_rate(fee, settings.PASSNUM_VAT_BPS)
    from passnum.ledger.services import open_order_accounts

    with transaction.atomic():
        number = allocate_numbers(name=f"order-{today.year}", count=1)[0]
        order = Order.objects.create(
            reference=f"CMD-{today.year}-{number:06d}",
            sponsor=sponsor,
            label=label,
            quantity=quantity,
            booklet_size=booklet_size,
            face_value_cents=face_value_cents,
            face_total_cents=face_total,
            upstream_fee_bps=settings.PASSNUM_UPSTREAM_FEE_BPS,
            upstream_fee_cents=fee,
            vat_bps=settings.PASSNUM_VAT_BPS,
            upstream_vat_cents=vat,
            total_due_cents=face_total + fee + vat,
            downstream_fee_bps=settings.PASSNUM_DOWNSTREAM_FEE_BPS,
            fund_bps=settings.PASSNUM_FUND_BPS,
            valid_until=valid_until,
            tolerance_days=settings.PASSNUM_VALIDITY_TOLERANCE_DAYS,
            perimeter_communes=sorted(set(rules.communes)),
            perimeter_epcis=sorted(set(rules.epcis)),
            perimeter_departements=sorted(set(rules.departements)),
            perimeter_regions=sorted(set(rules.regions)),
            allowed_place_types=sorted(set(rules.place_types)),
            allowed_families=sorted(set(rules.families)),
            allowed_services=sorted(set(rules.services)),
            usable_from=rules.usable_from,
            usable_until=rules.usable_until,
            target_publics=sorted(set(rules.target_publics)),
            created_by=acting.user,
        )
        open_order_accounts(order=order)
    return order


def record_payment(
    *, acting: Acting, order: Order, amount_cents: int, reference: str = ""
) -> Order:
    """Finance staff record the sponsor's payment: funds enter the order's escrow, passes activate.

    The amount must be exactly the invoice total (partial payments are not accepted yet).
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    from passnum.ledger.services import post_expiry, post_order_payment
    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Pass
    from passnum.passes.services import activate_order_passes

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        check_transition(
            ORDER_TRANSITIONS,
            current=locked.status,
            target=OrderStatus.PAID,
            label=locked.reference,
        )
        if amount_cents != locked.total_due_cents:
            raise PaymentMismatch(
                received=format_euros(amount_cents), due=format_euros(locked.total_due_cents)
            )
        _log(order=locked, to_status=OrderStatus.PAID, acting=acting, reason=reference)
        locked.status = OrderStatus.PAID
        locked.paid_at = timezone.now()
        locked.payment_reference = reference
        locked.save(update_fields=["status", "paid_at", "payment_reference"])
        post_order_payment(order=locked, actor=acting.user)
        activate_order_passes(order=locked, actor=acting.user)
        # Paid after its passes expired unused: their value is the sponsor's at once.
        expired = Pass.objects.filter(order=locked, status=PassStatus.EXPIRED).count()
        if expired:
            post_expiry(order=locked, pass_count=expired, actor=acting.user)
    return locked


def cancel_order(*, acting: Acting, order: Order, reason: str) -> Order:
    """An unpaid order is cancelled by its sponsor or the operator; its passes are blocked."""
    is_operator = acting.organisation.kind == OrganisationKind.OPERATOR
    if not is_operator and acting.organisation.pk != order.sponsor_id:
        raise WrongOrganisationKind()
    from passnum.passes.services import block_order_passes

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        check_transition(
            ORDER_TRANSITIONS,
            current=locked.status,
            target=OrderStatus.CANCELLED,
            label=locked.reference,
        )
        _log(order=locked, to_status=OrderStatus.CANCELLED, acting=acting, reason=reason)
        locked.status = OrderStatus.CANCELLED
        locked.save(update_fields=["status"])
        block_order_passes(order=locked, actor=acting.user, reason=reason)
    return locked


def _log(*, order: Order, to_status: str, acting: Acting, reason: str) -> None:
    OrderTransition.objects.create(
        order=order,
        from_status=order.status,
        to_status=to_status,
        actor=acting.user,
        reason=reason,
    )


def _ordering_sponsor(*, acting: Acting, sponsor: Organisation | None) -> Organisation:
    if acting.organisation.kind == OrganisationKind.SPONSOR:
        if sponsor is not None and sponsor.pk != acting.organisation.pk:
            raise WrongOrganisationKind()
        return acting.organisation
    if acting.organisation.kind == OrganisationKind.OPERATOR and sponsor is not None:
        if sponsor.kind != OrganisationKind.SPONSOR:
            raise InvalidOrder(_("Seul un commanditaire peut commander des pass."))
        return sponsor
    raise WrongOrganisationKind()


def _validate_quantity(*, quantity: int, booklet_size: int, face_value_cents: int) -> None:
    if booklet_size not in BookletSize.values:
        raise InvalidOrder(_("Un carnet contient 5 ou 10 pass."))
    if quantity < booklet_size or quantity % booklet_size:
        raise InvalidOrder(
            _("La quantité doit être un multiple de %(size)s (carnets complets)."),
            size=booklet_size,
        )
    if quantity > settings.PASSNUM_MAX_PASSES_PER_ORDER:
        raise InvalidOrder(
            _("Au plus %(max)s pass par commande."), max=settings.PASSNUM_MAX_PASSES_PER_ORDER
        )
    minimum = settings.PASSNUM_SMALL_BOOKLET_MIN_PASSES
    if booklet_size == BookletSize.FIVE and quantity < minimum:
        raise InvalidOrder(
            _("Les carnets de 5 pass sont réservés aux commandes d'au moins %(min)s pass."),
            min=minimum,
        )
    if face_value_cents < 1 or face_value_cents > 100_000:
        raise InvalidOrder(_("La valeur faciale doit être comprise entre 0,01 € et 1 000 €."))


def _validate_rules(rules: UsageRules) -> None:
    for values, pattern, label in (
        (rules.communes, COMMUNE_RE, _("commune")),
        (rules.epcis, EPCI_RE, _("EPCI")),
        (rules.departements, DEPARTEMENT_RE, _("département")),
        (rules.regions, REGION_RE, _("région")),
    ):
        bad = [value for value in values if not pattern.match(str(value))]
        if bad:
            raise InvalidOrder(
                _("Code de %(what)s invalide : %(codes)s."),
                what=label,
                codes=", ".join(map(str, bad)),
            )
    bad = sorted(set(rules.place_types) - set(PlaceType.values))
    if bad:
        raise InvalidOrder(_("Type de lieu inconnu : %(codes)s."), codes=", ".join(bad))
    bad = sorted(set(rules.target_publics) - set(TargetPublic.values))
    if bad:
        raise InvalidOrder(_("Public inconnu : %(codes)s."), codes=", ".join(bad))
    known = set(
        ServiceFamily.objects.filter(code__in=rules.families).values_list("code", flat=True)
    )
    bad = sorted(set(rules.families) - known)
    if bad:
        raise InvalidOrder(_("Famille de services inconnue : %(codes)s."), codes=", ".join(bad))
    known = set(Service.objects.filter(code__in=rules.services).values_list("code", flat=True))
    bad = sorted(set(rules.services) - known)
    if bad:
        raise InvalidOrder(_("Service inconnu : %(codes)s."), codes=", ".join(bad))
    if rules.usable_from and rules.usable_until and rules.usable_from > rules.usable_until:
        raise InvalidOrder(_("La période d'utilisation se termine avant de commencer."))
