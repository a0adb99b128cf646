"""Every refusal reason of redeem_passes, and that a refusal writes nothing at all."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from passnum.core.exceptions import NotFound
from passnum.ledger.models import LedgerTransaction, Posting
from passnum.orders.models import Order
from passnum.orders.services import UsageRules
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.services import block_passes
from passnum.places.enums import PlaceType, QualificationStatus
from passnum.places.services import change_place_qualification, remove_service_offer
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.exceptions import RedemptionRefused
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.rules import Reason
from passnum.redemptions.selectors import check_pass
from passnum.redemptions.services import redeem_passes
from tests.factories import PlaceFactory, a_service, make_order, offer, passes_of

TODAY = timezone.localdate


def snapshot():
    return (
        dict(Pass.objects.values_list("pk", "status")),
        Redemption.objects.count(),
        RedemptionLine.objects.count(),
        LedgerTransaction.objects.count(),
        Posting.objects.count(),
    )


def refused(provider, place, codes, *, service=None, price_cents=1000, offered=True):
    """The details of the refusal, after checking that nothing at all was written. `offered`:
    the place first offers the service at this price (so that only the other rules speak)."""
    service = service or a_service()
    if offered:
        offer(place, service=service, price_cents=price_cents)
    before = snapshot()
    with pytest.raises(RedemptionRefused) as caught:
        redeem_passes(
            acting=provider,
            place=place,
            service=service,
            price_cents=price_cents,
            codes=codes,
        )
    assert snapshot() == before
    assert check_ledger() == []
    details = caught.value.details
    assert all(isinstance(d["message"], str) and d["message"] for d in details)
    return details


def reasons(details):
    """(code, pass) of each detail; pass is None for a reason about the whole request."""
    return [(d["code"], d.get("pass")) for d in details]


def shown(item_or_code):
    return pass_codes.display(getattr(item_or_code, "code", item_or_code))


def redeem(provider, place, items, *, service=None, price_cents=None):
    """Redeem at `place`, which first offers the service at this price."""
    service = service or a_service()
    price_cents = price_cents or 1000 * len(items)
    offer(place, service=service, price_cents=price_cents)
    return redeem_passes(
        acting=provider,
        place=place,
        service=service,
        price_cents=price_cents,
        codes=[item.code for item in items],
    ).redemption


def ordered(sponsor, operator, **rules):
    return make_order(sponsor=sponsor, operator=operator, rules=UsageRules(**rules))


# Codes and the request itself


def test_malformed_bad_check_unknown_and_duplicate_codes(provider, place, paid_order):
    good = passes_of(paid_order)[0].code
    typo = good[:-1] + next(c for c in pass_codes.ALPHABET if c != good[-1])
    unknown = pass_codes.new_codes(1)[0]
    details = refused(provider, place, ["ABC", typo, unknown, good, shown(good).lower()])
    assert reasons(details) == [
        (Reason.MALFORMED_CODE, "ABC"),
        (Reason.BAD_CHECK_CHARACTER, shown(typo)),
        (Reason.DUPLICATE_CODE, shown(good)),
        (Reason.UNKNOWN_PASS, shown(unknown)),
    ]
    assert passes_of(paid_order)[0].status == PassStatus.ACTIVE


def test_no_passes(provider, place):
    assert reasons(refused(provider, place, [])) == [(Reason.NO_PASSES, None)]


def test_too_many_codes(provider, place, paid_order, settings):
    too_many = pass_codes.new_codes(settings.PASSNUM_MAX_PASSES_PER_REDEMPTION + 1)
    assert reasons(refused(provider, place, too_many)) == [(Reason.TOO_MANY_CODES, None)]
    settings.PASSNUM_MAX_PASSES_PER_REDEMPTION = 3
    items = passes_of(paid_order)
    assert reasons(refused(provider, place, [i.code for i in items[:4]], price_cents=4000)) == [
        (Reason.TOO_MANY_CODES, None)
    ]
    assert redeem(provider, place, items[:3]).amount_cents == 3000


@pytest.mark.parametrize("price", [0, -100, 1_000_001])
def test_invalid_price(provider, place, paid_order, price):
    item = passes_of(paid_order)[0]
    offer(place, price_cents=1000)
    details = refused(provider, place, [item.code], price_cents=price, offered=False)
    assert reasons(details) == [(Reason.INVALID_PRICE, None)]  # not also price_not_offered


@pytest.mark.parametrize(
    "status",
    [
        QualificationStatus.DRAFT,
        QualificationStatus.SUBMITTED,
        QualificationStatus.SUSPENDED,
        QualificationStatus.REJECTED,
    ],
)
def test_place_not_qualified(provider, paid_order, status):
    unqualified = PlaceFactory(organisation=provider.organisation, qualification_status=status)
    details = refused(provider, unqualified, [passes_of(paid_order)[0].code], offered=False)
    assert reasons(details) == [(Reason.PLACE_NOT_QUALIFIED, None)]


def test_a_place_not_qualified_is_refused_for_that_alone_even_with_an_offer(provider, paid_order):
    place = PlaceFactory(organisation=provider.organisation)
    offer(place, price_cents=1000)
    suspended = change_place_qualification(
        actor=provider.user, place=place, to_status=QualificationStatus.SUSPENDED
    )
    details = refused(provider, suspended, [passes_of(paid_order)[0].code], offered=False)
    assert reasons(details) == [(Reason.PLACE_NOT_QUALIFIED, None)]


# The place's published offer: the service, at its price


def test_a_service_the_place_does_not_offer(provider, place, paid_order):
    offered, other = a_service("securite"), a_service("smartphone")
    offer(place, service=offered, price_cents=1000)
    item = passes_of(paid_order)[0]
    details = refused(provider, place, [item.code], service=other, offered=False)
    assert reasons(details) == [(Reason.SERVICE_NOT_OFFERED, None)]
    assert other.label in details[0]["message"]
    item.refresh_from_db()
    assert item.status == PassStatus.ACTIVE and Redemption.objects.count() == 0


@pytest.mark.parametrize("price", [999, 1001, 2000, 500])
def test_a_price_other_than_the_offers(provider, place, paid_order, price):
    offer(place, price_cents=1000)
    details = refused(
        provider, place, [passes_of(paid_order)[0].code], price_cents=price, offered=False
    )
    assert reasons(details) == [(Reason.PRICE_NOT_OFFERED, None)]
    assert "10,00" in details[0]["message"]  # the published price, to correct the till


def test_the_offered_service_at_its_price_is_redeemed(provider, place, paid_order):
    service = a_service("securite")
    offer(place, service=service, price_cents=1500)
    result = redeem_passes(
        acting=provider,
        place=place,
        service=service,
        price_cents=1500,
        codes=[passes_of(paid_order)[0].code],
    )
    assert (result.redemption.price_cents, result.redemption.amount_cents) == (1500, 1000)
    assert result.redemption.service == service
    assert check_ledger() == []


def test_the_price_follows_the_offer_when_the_place_changes_it(provider, place, paid_order):
    first, second = passes_of(paid_order)[:2]
    offer(place, price_cents=1500)
    offer(place, price_cents=1800)  # the place changes its public offer
    details = refused(provider, place, [first.code], price_cents=1500, offered=False)
    assert reasons(details) == [(Reason.PRICE_NOT_OFFERED, None)]
    assert redeem(provider, place, [second], price_cents=1800).price_cents == 1800


def test_a_service_removed_from_the_offer_after_qualification(provider, place, paid_order):
    kept, removed = a_service("securite"), a_service("smartphone")
    offer(place, service=kept, price_cents=1000)
    gone = offer(place, service=removed, price_cents=1000)
    first, second = passes_of(paid_order)[:2]
    assert redeem(provider, place, [first], service=removed)
    remove_service_offer(acting=provider, offer=gone)
    assert place.is_qualified
    details = refused(provider, place, [second.code], service=removed, offered=False)
    assert reasons(details) == [(Reason.SERVICE_NOT_OFFERED, None)]
    assert redeem(provider, place, [second], service=kept)


def test_the_offer_is_checked_with_the_other_request_reasons(provider, place, settings):
    """Reasons about the request come together, before any pass is looked at."""
    settings.PASSNUM_MAX_PASSES_PER_REDEMPTION = 1
    codes = pass_codes.new_codes(2)
    details = refused(provider, place, codes, offered=False)
    assert reasons(details) == [
        (Reason.TOO_MANY_CODES, None),
        (Reason.SERVICE_NOT_OFFERED, None),
    ]


def test_the_pass_check_gives_the_same_offer_reasons(provider, place, paid_order):
    code = passes_of(paid_order)[0].code
    offer(place, price_cents=1500)

    def check(**kwargs):
        found = check_pass(acting=provider, raw_code=code, place=place, **kwargs)
        return [refusal.code for refusal in found.refusals]

    assert check(service=a_service()) == []
    assert check(service=a_service(), price_cents=1500) == []
    assert check(service=a_service(), price_cents=1000) == [Reason.PRICE_NOT_OFFERED]
    assert check(service=a_service("smartphone")) == [Reason.SERVICE_NOT_OFFERED]
    assert check() == []  # no service: nothing to compare with the offer


# The state of the pass


def test_not_active_while_the_order_is_unpaid(provider, place, sponsor, operator):
    unpaid = make_order(sponsor=sponsor, operator=operator, paid=False)
    item = passes_of(unpaid)[0]
    assert reasons(refused(provider, place, [item.code])) == [(Reason.NOT_ACTIVE, shown(item))]


def test_already_redeemed_says_when_and_where(provider, place, paid_order):
    item = passes_of(paid_order)[0]
    redeem(provider, place, [item])
    details = refused(provider, place, [item.code])
    assert reasons(details) == [(Reason.ALREADY_REDEEMED, shown(item))]
    message = details[0]["message"]
    assert "utilisé le " in message
    assert place.name in message and place.commune_name in message


def test_already_redeemed_time_is_local_time(provider, place, paid_order):
    item = passes_of(paid_order)[0]
    first = redeem(provider, place, [item])
    message = refused(provider, place, [item.code])[0]["message"]
    assert timezone.localtime(first.created_at).strftime("%d/%m/%Y %H:%M") in message


def test_blocked(provider, place, paid_order, operator):
    item = passes_of(paid_order)[0]
    block_passes(acting=operator, serial_first=item.serial, serial_last=item.serial, reason="vol")
    assert reasons(refused(provider, place, [item.code])) == [(Reason.BLOCKED, shown(item))]


def test_expired_after_validity_plus_tolerance(provider, place, sponsor, operator):
    order = make_order(
        sponsor=sponsor, operator=operator, valid_until=TODAY() + datetime.timedelta(3)
    )
    first, second = passes_of(order)[:2]
    with mock.patch("django.utils.timezone.localdate", return_value=order.expires_on):
        redeem(provider, place, [first])  # the last day of the tolerance is still fine
    later = order.expires_on + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        details = refused(provider, place, [second.code])
    assert reasons(details) == [(Reason.EXPIRED, shown(second))]
    assert order.expires_on.strftime("%d/%m/%Y") in details[0]["message"]


def test_expired_when_valid_until_moved_to_the_past(provider, place, paid_order):
    Order.objects.filter(pk=paid_order.pk).update(valid_until=TODAY() - datetime.timedelta(days=32))
    item = passes_of(paid_order)[0]
    assert reasons(refused(provider, place, [item.code])) == [(Reason.EXPIRED, shown(item))]


# The sponsor's usage rules


def test_outside_time_window(provider, place, sponsor, operator):
    not_yet = ordered(sponsor, operator, usable_from=TODAY() + datetime.timedelta(days=2))
    over = ordered(sponsor, operator, usable_until=TODAY() - datetime.timedelta(days=1))
    now = ordered(sponsor, operator, usable_from=TODAY(), usable_until=TODAY())
    for order in (not_yet, over):
        item = passes_of(order)[0]
        details = refused(provider, place, [item.code])
        assert reasons(details) == [(Reason.OUTSIDE_TIME_WINDOW, shown(item))]
    assert redeem(provider, place, passes_of(now)[:1])


@pytest.mark.parametrize(
    ("axis", "inside", "outside"),
    [
        ("communes", "33063", "75056"),
        ("epcis", "243300316", "200054781"),
        ("departements", "33", "75"),
        ("regions", "75", "11"),
    ],
)
def test_perimeter(provider, place, sponsor, operator, axis, inside, outside):
    there = ordered(sponsor, operator, **{axis: [inside]})
    elsewhere = ordered(sponsor, operator, **{axis: [outside]})
    item = passes_of(elsewhere)[0]
    details = refused(provider, place, [item.code])
    assert reasons(details) == [(Reason.OUTSIDE_PERIMETER, shown(item))]
    assert redeem(provider, place, passes_of(there)[:1])


def test_perimeter_axes_add_up(provider, place, sponsor, operator):
    order = ordered(sponsor, operator, communes=["75056"], departements=["33"])
    assert redeem(provider, place, passes_of(order)[:1])


def test_place_type_not_allowed(provider, place, sponsor, operator):
    fablabs = ordered(sponsor, operator, place_types=[PlaceType.FABLAB])
    epns = ordered(sponsor, operator, place_types=[PlaceType.EPN, PlaceType.FABLAB])
    item = passes_of(fablabs)[0]
    details = refused(provider, place, [item.code])
    assert reasons(details) == [(Reason.PLACE_TYPE_NOT_ALLOWED, shown(item))]
    assert redeem(provider, place, passes_of(epns)[:1])


def test_service_not_allowed_by_service(provider, place, sponsor, operator):
    allowed, other = a_service("securite"), a_service("smartphone")
    order = ordered(sponsor, operator, services=[allowed.code])
    first, second = passes_of(order)[:2]
    details = refused(provider, place, [first.code], service=other)
    assert reasons(details) == [(Reason.SERVICE_NOT_ALLOWED, shown(first))]
    assert redeem(provider, place, [second], service=allowed)


def test_service_not_allowed_by_family(provider, place, sponsor, operator):
    allowed, other = a_service("securite"), a_service("smartphone")
    order = ordered(sponsor, operator, families=["securite"])
    first, second = passes_of(order)[:2]
    details = refused(provider, place, [first.code], service=other)
    assert reasons(details) == [(Reason.SERVICE_NOT_ALLOWED, shown(first))]
    assert redeem(provider, place, [second], service=allowed)


# How many passes for the price


def test_too_many_passes_for_the_price(provider, place, paid_order):
    items = passes_of(paid_order)
    details = refused(provider, place, [i.code for i in items[:2]], price_cents=1000)
    assert reasons(details) == [(Reason.TOO_MANY_PASSES, None)]
    assert "10,00" in details[0]["message"]
    two = redeem(provider, place, items[:2], price_cents=1500)
    assert (two.amount_cents, two.complement_cents) == (2000, 0)
    one = redeem(provider, place, items[2:3], price_cents=2500)
    assert (one.amount_cents, one.complement_cents) == (1000, 1500)


# Several problems at once


def test_one_detail_per_bad_pass_and_nothing_redeemed(
    provider, place, paid_order, sponsor, operator
):
    unpaid = make_order(sponsor=sponsor, operator=operator, paid=False)
    good, blocked, used = passes_of(paid_order)[:3]
    block_passes(
        acting=operator, serial_first=blocked.serial, serial_last=blocked.serial, reason=""
    )
    redeem(provider, place, [used])
    inactive = passes_of(unpaid)[0]
    unknown = pass_codes.new_codes(1)[0]
    codes = [good.code, blocked.code, used.code, inactive.code, unknown, "TOO-SHORT"]
    details = refused(provider, place, codes, price_cents=6000)
    assert sorted(reasons(details)) == sorted(
        [
            (Reason.BLOCKED, shown(blocked)),
            (Reason.ALREADY_REDEEMED, shown(used)),
            (Reason.NOT_ACTIVE, shown(inactive)),
            (Reason.UNKNOWN_PASS, shown(unknown)),
            (Reason.MALFORMED_CODE, shown("TOOSHORT")),
        ]
    )
    good.refresh_from_db()
    assert good.status == PassStatus.ACTIVE


def test_a_provider_cannot_redeem_at_another_providers_place(provider, paid_order):
    elsewhere = PlaceFactory()
    item = passes_of(paid_order)[0]
    with pytest.raises(NotFound):
        redeem(provider, elsewhere, [item])
    item.refresh_from_db()
    assert item.status == PassStatus.ACTIVE
