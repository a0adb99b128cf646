"""Each request acts as its token's organisation and sees only that organisation's data.

An object of another organisation is a 404 (no existence leak); a kind of organisation that may
not do something gets 403 `wrong_organisation_kind`; nothing is ever written on a refusal.
"""

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.selectors import acting_for
from passnum.accounts.services import add_member
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order
from passnum.passes.enums import PassStatus
from passnum.passes.services import block_passes
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption
from tests.api.helpers import (
    API,
    assert_error,
    assert_untouched,
    other_provider,
    redeem,
    redemption_count,
    status_of,
)
from tests.factories import make_acting, make_order, passes_of

# --- provider against provider ----------------------------------------------------------------


def test_a_provider_cannot_redeem_at_another_providers_place(api, provider, paid_order):
    _other, elsewhere = other_provider()
    item = passes_of(paid_order)[0]
    assert_error(redeem(api(provider), elsewhere, [item]), 404, "not_found")
    assert_untouched(item)
    assert redemption_count() == 0


def test_a_provider_cannot_check_a_pass_at_another_providers_place(api, provider, paid_order):
    _other, elsewhere = other_provider()
    response = api(provider).get(
        f"{API}/passes/{passes_of(paid_order)[0].code}", place_id=elsewhere.pk
    )
    assert_error(response, 404, "not_found")


def test_a_provider_cannot_read_or_undo_another_providers_redemption(
    api, provider, place, paid_order
):
    other, elsewhere = other_provider()
    items = passes_of(paid_order)[:1]
    theirs = redeem(api(other), elsewhere, items).json()["id"]
    client = api(provider)
    assert_error(client.get(f"{API}/redemptions/{theirs}"), 404, "not_found")
    assert_error(client.delete(f"{API}/redemptions/{theirs}"), 404, "not_found")
    assert Redemption.objects.get(pk=theirs).undone_at is None
    assert status_of(items[0]) == PassStatus.REDEEMED
    assert check_ledger() == []


def test_lists_show_only_the_organisations_own_places_and_redemptions(
    api, provider, place, paid_order
):
    other, elsewhere = other_provider()
    items = passes_of(paid_order)
    mine = redeem(api(provider), place, items[:1]).json()["id"]
    theirs = redeem(api(other), elsewhere, items[1:2]).json()["id"]
    assert [p["id"] for p in api(provider).get(f"{API}/places").json()] == [place.pk]
    assert [p["id"] for p in api(other).get(f"{API}/places").json()] == [elsewhere.pk]
    assert [r["id"] for r in api(provider).get(f"{API}/redemptions").json()] == [mine]
    assert [r["id"] for r in api(other).get(f"{API}/redemptions").json()] == [theirs]


def test_idempotency_keys_belong_to_one_organisation(api, provider, place, paid_order):
    other, elsewhere = other_provider()
    items = passes_of(paid_order)
    key = {"Idempotency-Key": "caisse-1"}
    mine = redeem(api(provider), place, items[:1], headers=key)
    theirs = redeem(api(other), elsewhere, items[1:2], headers=key)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert status_of(items[1]) == PassStatus.REDEEMED


# --- sponsors, operator, and kinds that may not ------------------------------------------------


def test_a_sponsor_cannot_read_another_sponsors_order(api, sponsor, operator, paid_order):
    other = make_acting(OrganisationKind.SPONSOR)
    theirs = make_order(sponsor=other, operator=operator)
    client = api(sponsor)
    assert_error(client.get(f"{API}/orders/{theirs.pk}"), 404, "not_found")
    assert [o["id"] for o in client.get(f"{API}/orders").json()] == [paid_order.pk]
    assert [o["id"] for o in api(other).get(f"{API}/orders").json()] == [theirs.pk]


def test_the_operator_sees_every_order(api, sponsor, operator, paid_order):
    theirs = make_order(sponsor=make_acting(OrganisationKind.SPONSOR), operator=operator)
    client = api(operator)
    assert {o["id"] for o in client.get(f"{API}/orders").json()} == {paid_order.pk, theirs.pk}
    assert client.get(f"{API}/orders/{theirs.pk}").json()["sponsor"] == theirs.sponsor.name


def test_a_provider_cannot_order_nor_see_orders(api, provider, paid_order):
    client = api(provider)
    assert_error(client.post(f"{API}/orders", {"quantity": 10}), 403, "wrong_organisation_kind")
    assert Order.objects.count() == 1
    assert client.get(f"{API}/orders").json() == []
    assert_error(client.get(f"{API}/orders/{paid_order.pk}"), 404, "not_found")


def test_only_the_operator_issues_and_records_payments(api, sponsor, provider, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False, issued=False)
    payment = {"amount_cents": order.total_due_cents, "reference": "VIR-1"}
    mine = api(sponsor)
    assert_error(mine.post(f"{API}/orders/{order.pk}/issue", {}), 403, "wrong_organisation_kind")
    assert_error(
        mine.post(f"{API}/orders/{order.pk}/payments", payment), 403, "wrong_organisation_kind"
    )
    for stranger in (api(provider), api(make_acting(OrganisationKind.SPONSOR))):
        assert_error(stranger.post(f"{API}/orders/{order.pk}/issue", {}), 404, "not_found")
        assert_error(stranger.post(f"{API}/orders/{order.pk}/payments", payment), 404, "not_found")
    order.refresh_from_db()
    assert order.issued_at is None and order.status == OrderStatus.AWAITING_PAYMENT
    assert check_ledger() == []


def test_a_sponsor_cannot_redeem(api, sponsor, place, paid_order):
    item = passes_of(paid_order)[0]
    response = redeem(api(sponsor), place, [item])
    assert response.status_code in (403, 404)
    assert_untouched(item)
    assert redemption_count() == 0


def test_a_sponsor_redeeming_is_told_it_is_the_wrong_kind(api, sponsor, place, paid_order):
    item = passes_of(paid_order)[0]
    assert_error(redeem(api(sponsor), place, [item]), 403, "wrong_organisation_kind")


def test_a_sponsor_sees_no_places_nor_redemptions(api, provider, sponsor, place, paid_order):
    done = redeem(api(provider), place, passes_of(paid_order)[:1]).json()["id"]
    client = api(sponsor)
    assert client.get(f"{API}/places").json() == []
    assert client.get(f"{API}/redemptions").json() == []
    assert_error(client.get(f"{API}/redemptions/{done}"), 404, "not_found")
    assert_error(client.delete(f"{API}/redemptions/{done}"), 404, "not_found")
    assert Redemption.objects.get(pk=done).undone_at is None


def test_a_sponsor_cannot_block_another_sponsors_passes(api, sponsor, operator, paid_order):
    other = make_acting(OrganisationKind.SPONSOR)
    items = passes_of(paid_order)
    whole = {"serial_first": items[0].serial, "serial_last": items[-1].serial, "reason": "vol"}
    assert_error(api(other).post(f"{API}/passes/block", whole), 409, "no_passes_changed")
    assert {status_of(item) for item in items} == {PassStatus.ACTIVE}

    block_passes(acting=sponsor, **whole)
    assert_error(api(other).post(f"{API}/passes/unblock", whole), 409, "no_passes_changed")
    assert {status_of(item) for item in items} == {PassStatus.BLOCKED}


def test_a_range_across_two_sponsors_blocks_only_ones_own(api, sponsor, operator, paid_order):
    other = make_acting(OrganisationKind.SPONSOR)
    theirs = passes_of(make_order(sponsor=other, operator=operator))
    mine = passes_of(paid_order)
    span = {"serial_first": mine[0].serial, "serial_last": theirs[-1].serial, "reason": "vol"}
    response = api(other).post(f"{API}/passes/block", span)
    assert response.status_code == 200 and response.json() == {"count": len(theirs)}
    assert {status_of(item) for item in mine} == {PassStatus.ACTIVE}
    assert {status_of(item) for item in theirs} == {PassStatus.BLOCKED}


def test_a_provider_cannot_block_passes(api, provider, paid_order):
    item = passes_of(paid_order)[0]
    span = {"serial_first": item.serial, "serial_last": item.serial, "reason": "vol"}
    assert_error(api(provider).post(f"{API}/passes/block", span), 403, "wrong_organisation_kind")
    assert status_of(item) == PassStatus.ACTIVE


# --- one user, two organisations: the token decides -------------------------------------------


def test_a_member_of_two_providers_acts_only_as_the_tokens_one(api, provider, place, paid_order):
    other, elsewhere = other_provider()
    add_member(
        actor=other.user, organisation=other.organisation, user=provider.user, role=MemberRole.ADMIN
    )
    as_other = acting_for(user=provider.user, organisation_id=other.organisation.pk)
    items = passes_of(paid_order)
    first, second = api(provider), api(as_other)

    assert [p["id"] for p in first.get(f"{API}/places").json()] == [place.pk]
    assert [p["id"] for p in second.get(f"{API}/places").json()] == [elsewhere.pk]
    assert_error(redeem(first, elsewhere, items[:1]), 404, "not_found")
    assert_untouched(items[0])

    theirs = redeem(second, elsewhere, items[:1]).json()["id"]
    assert Redemption.objects.get(pk=theirs).organisation == other.organisation
    assert first.get(f"{API}/redemptions").json() == []
    assert_error(first.delete(f"{API}/redemptions/{theirs}"), 404, "not_found")
    assert [r["id"] for r in second.get(f"{API}/redemptions").json()] == [theirs]


def test_a_member_of_a_provider_and_a_sponsor_acts_only_as_the_tokens_one(
    api, provider, place, paid_order
):
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    add_member(
        actor=other_sponsor.user,
        organisation=other_sponsor.organisation,
        user=provider.user,
        role=MemberRole.ADMIN,
    )
    as_sponsor = acting_for(user=provider.user, organisation_id=other_sponsor.organisation.pk)
    item = passes_of(paid_order)[0]

    assert redeem(api(as_sponsor), place, [item]).status_code in (403, 404)
    assert_untouched(item)
    assert_error(
        api(provider).post(f"{API}/orders", {"quantity": 10}), 403, "wrong_organisation_kind"
    )
    created = api(as_sponsor).post(f"{API}/orders", {"quantity": 10})
    assert created.status_code == 201
    assert Order.objects.get(pk=created.json()["id"]).sponsor == other_sponsor.organisation
    assert api(provider).get(f"{API}/orders").json() == []
