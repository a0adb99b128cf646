"""An organisation's postal address: set by its administrators through one service (page and
all), printed on the invoices issued to it afterwards."""

import pytest
from django.urls import reverse

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.exceptions import NotAnAdmin
from passnum.accounts.models import Organisation
from passnum.accounts.services import add_member, update_organisation_address
from passnum.core.exceptions import InvalidInput
from passnum.orders.invoicing import buyer_identity
from tests.factories import UserFactory, make_acting
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db
GOOD = {"address": "12 rue des Lilas", "postcode": "33000", "city": "Bordeaux"}


def test_an_admin_sets_it_and_invoices_print_it(sponsor):
    update_organisation_address(actor=sponsor.user, organisation=sponsor.organisation, **GOOD)
    stored = Organisation.objects.get(pk=sponsor.organisation.pk)
    assert (stored.address, stored.postcode, stored.city) == (
        "12 rue des Lilas",
        "33000",
        "Bordeaux",
    )
    assert buyer_identity(stored)["address"] == "12 rue des Lilas\n33000 Bordeaux"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"postcode": "3300"}, "postcode"),
        ({"postcode": "00100"}, "postcode"),
        ({"postcode": "99000"}, "postcode"),
        ({"address": ""}, "address"),
        ({"city": " "}, "city"),
        ({"address": "x" * 201}, "address"),
        ({"city": "Bor\x00deaux"}, None),
        ({"address": "12 rue\ndes Lilas"}, None),
    ],
)
def test_refused_addresses_change_nothing(sponsor, change, field):
    with pytest.raises(InvalidInput) as refused:
        update_organisation_address(
            actor=sponsor.user, organisation=sponsor.organisation, **(GOOD | change)
        )
    if field:
        assert refused.value.details[0]["field"] == field
    assert Organisation.objects.get(pk=sponsor.organisation.pk).address == ""


def test_all_empty_clears_it(sponsor):
    update_organisation_address(actor=sponsor.user, organisation=sponsor.organisation, **GOOD)
    update_organisation_address(
        actor=sponsor.user, organisation=sponsor.organisation, address="", postcode="", city=""
    )
    assert Organisation.objects.get(pk=sponsor.organisation.pk).city == ""


def test_a_plain_member_or_an_outsider_cannot(sponsor):
    member = UserFactory()
    add_member(
        actor=sponsor.user, organisation=sponsor.organisation, user=member, role=MemberRole.MEMBER
    )
    outsider = make_acting(OrganisationKind.SPONSOR)
    for actor in (member, outsider.user):
        with pytest.raises(NotAnAdmin):
            update_organisation_address(actor=actor, organisation=sponsor.organisation, **GOOD)


def test_the_page(sponsor):
    client = logged_in(sponsor)
    url = reverse("organisation_address")
    assert reverse("organisation_address") in client.get(reverse("members")).text
    bad = client.post(url, GOOD | {"postcode": "ABCDE"})
    assert bad.status_code == 400 and "5 chiffres" in bad.text
    done = client.post(url, GOOD, follow=True)
    assert "Adresse enregistrée." in done.text and 'value="Bordeaux"' in done.text


def test_the_page_is_read_only_for_a_member_and_scoped(sponsor):
    update_organisation_address(actor=sponsor.user, organisation=sponsor.organisation, **GOOD)
    other = make_acting(OrganisationKind.SPONSOR)
    page = logged_in(other).get(reverse("organisation_address")).text
    assert "Bordeaux" not in page  # each sees its own organisation only
    member = make_acting(OrganisationKind.SPONSOR)
    add_member(
        actor=sponsor.user,
        organisation=sponsor.organisation,
        user=member.user,
        role=MemberRole.MEMBER,
    )
    member_client = logged_in(member)
    member_client.post(reverse("switch_organisation"), {"organisation": sponsor.organisation.pk})
    response = member_client.post(reverse("organisation_address"), GOOD | {"city": "Pau"})
    assert response.status_code == 403
    assert Organisation.objects.get(pk=sponsor.organisation.pk).city == "Bordeaux"
