"""The hand-written reads of the scan path (core.rows) return what the ORM would, and on
PostgreSQL their statements are really prepared; the one-statement write opens missing accounts."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passnum.accounts.exceptions import InvalidToken
from passnum.accounts.models import User
from passnum.accounts.selectors import acting_from_token
from passnum.accounts.services import revoke_api_token
from passnum.catalogue.models import Service
from passnum.core.exceptions import NotFound
from passnum.ledger.models import Account
from passnum.ledger.services import fund_code
from passnum.orders.models import Order
from passnum.orders.services import UsageRules
from passnum.passes.models import Pass
from passnum.passes.selectors import passes_by_code
from passnum.places.enums import PlaceType
from passnum.places.models import Place, ServiceOffer
from passnum.places.selectors import (
    REDEMPTION_FIELDS,
    offer_prices,
    place_for_redemption,
    place_of,
)
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption
from passnum.redemptions.services import redeem_passes
from passnum.redemptions.writes import _array_literal
from tests.factories import (
    PlaceFactory,
    a_service,
    api_token_for,
    make_order,
    offer,
    passes_of,
)

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _fields(instance, model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}


def test_passes_by_code_reads_what_the_orm_reads(sponsor, operator):
    rules = UsageRules(
        communes=["33063"],
        departements=["40"],
        place_types=[PlaceType.EPN, PlaceType.LIBRARY],
        families=["decouverte"],
        usable_from=timezone.localdate(),
        usable_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    first = make_order(sponsor=sponsor, operator=operator, quantity=10, rules=rules)
    second = make_order(sponsor=sponsor, operator=operator, quantity=10, paid=False)
    codes = [passes_of(first)[0].code, passes_of(first)[3].code, passes_of(second)[1].code]

    found = passes_by_code([*codes, "UNKNOWNCODE2345"])

    assert sorted(found) == sorted(codes)
    for code, item in found.items():
        expected = Pass.objects.select_related("order").get(code=code)
        assert _fields(item, Pass) == _fields(expected, Pass)
        assert _fields(item.order, Order) == _fields(expected.order, Order)
    assert found[codes[0]].order is found[codes[1]].order  # one instance per order
    assert found[codes[0]].order.perimeter_communes == ["33063"]
    assert isinstance(found[codes[0]].order.created_at, datetime.datetime)
    assert passes_by_code([]) == {}


def test_place_for_redemption_reads_what_place_of_reads(provider, place):
    lean = place_for_redemption(acting=provider, place_id=place.pk)
    full = place_of(acting=provider, place_id=place.pk)
    for name in REDEMPTION_FIELDS:
        attname = Place._meta.get_field(name).attname
        assert getattr(lean, attname) == getattr(full, attname), name
    assert lean.is_qualified
    assert lean.address == full.address  # any other field loads on access


def test_place_for_redemption_reads_the_offers_in_the_same_statement(provider, place):
    assert offer_prices(place_for_redemption(acting=provider, place_id=place.pk)) == {}
    services = list(Service.objects.order_by("code")[:3])
    for service, price in zip(services, (1000, 1_000_000, 1), strict=True):
        offer(place, service=service, price_cents=price)
    offer(PlaceFactory(organisation=provider.organisation), service=services[0], price_cents=2500)

    with CaptureQueriesContext(connection) as queries:
        lean = place_for_redemption(acting=provider, place_id=place.pk)
        prices = offer_prices(lean)

    assert len(queries) == 1
    expected = dict(
        ServiceOffer.objects.filter(place=place).values_list("service_id", "price_cents")
    )
    assert prices == expected
    assert prices == {services[0].pk: 1000, services[1].pk: 1_000_000, services[2].pk: 1}
    # Any other instance reads the offers now, every time (no stale copy).
    assert offer_prices(place) == expected
    offer(place, service=services[0], price_cents=1500)
    assert offer_prices(place)[services[0].pk] == 1500


def test_place_for_redemption_is_scoped_and_refuses_impossible_ids(provider, place):
    other = PlaceFactory()
    for place_id in (other.pk, 0, -1, 2**63, 10**30):
        with pytest.raises(NotFound):
            place_for_redemption(acting=provider, place_id=place_id)


def test_acting_from_token_reads_the_member_and_refuses_inactive_or_revoked(provider):
    token = api_token_for(provider)
    acting = acting_from_token(token)
    assert acting.user.pk == provider.user.pk
    assert acting.user.email == provider.user.email
    assert acting.user.is_active is True and acting.user.is_superuser is False
    assert acting.organisation.pk == provider.organisation.pk
    assert acting.organisation.kind == provider.organisation.kind
    assert acting.membership.pk == provider.membership.pk
    assert acting.membership.role == provider.membership.role
    assert acting.membership.organisation is acting.organisation

    User.objects.filter(pk=provider.user.pk).update(is_active=False)
    with pytest.raises(InvalidToken):
        acting_from_token(token)
    User.objects.filter(pk=provider.user.pk).update(is_active=True)
    revoke_api_token(actor=provider.user, token=provider.membership.tokens.get())
    with pytest.raises(InvalidToken):
        acting_from_token(token)


@postgresql_only
def test_scan_statements_are_prepared_by_postgresql(provider, place, paid_order):
    token = api_token_for(provider)
    for item in passes_of(paid_order)[:3]:
        acting = acting_from_token(token)
        place_for_redemption(acting=acting, place_id=place.pk)
        passes_by_code([item.code])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = " ".join(row[0] for row in cursor.fetchall())
    assert "accounts_apitoken" in prepared
    assert "places_place" in prepared
    assert "passes_pass" in prepared


@postgresql_only
def test_array_literals_survive_any_character():
    values = ['a"b', "c\\d", "x,y", "{z}", "fund:dept:2A", " space "]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_array_literal(values)])
        assert cursor.fetchone()[0] == values


def test_first_redemption_in_a_departement_opens_its_fund(provider, sponsor, operator):
    place = PlaceFactory(
        organisation=provider.organisation,
        postcode="20000",
        commune_name="Ajaccio",
        commune_code="2A004",
        epci_code="242010056",
        departement="2A",
        region="94",
    )
    order = make_order(sponsor=sponsor, operator=operator, quantity=10)
    offer(place, price_cents=1000)
    assert not Account.objects.filter(code=fund_code("2A")).exists()

    result = redeem_passes(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=1000,
        codes=[passes_of(order)[0].code],
        idempotency_key=str(uuid.uuid4()),
    )

    assert Account.objects.get(code=fund_code("2A")).postings.count() == 1
    assert Redemption.objects.count() == 1  # the attempt before the account existed left nothing
    assert Redemption.objects.get().pk == result.redemption.pk
    assert check_ledger() == []
