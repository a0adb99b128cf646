import pytest
from django.test import Client
from django.urls import reverse

from passnum.accounts.enums import OrganisationKind
from passnum.catalogue.models import Service
from passnum.www.acting import SESSION_KEY
from tests.factories import PASSWORD, OrganisationFactory, make_acting

pytestmark = pytest.mark.django_db


def logged_in(acting) -> Client:
    client = Client()
    client.force_login(acting.user)  # the login form itself: test_login_with_email_and_password…
    return client


def test_home_is_public_and_offers_to_log_in():
    response = Client().get("/")
    assert response.status_code == 200
    assert reverse("login") in response.content.decode()


def test_login_with_email_and_password_then_logout(sponsor):
    client = Client()
    response = client.post(reverse("login"), {"username": sponsor.user.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert sponsor.organisation.name in page
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_with_a_message(sponsor):
    response = Client().post(reverse("login"), {"username": sponsor.user.email, "password": "nope"})
    assert response.status_code == 200
    assert "incorrect" in response.content.decode()


def test_a_member_switches_only_between_own_organisations(sponsor):
    other_membership = make_acting(OrganisationKind.PROVIDER)
    # the same person joins a provider organisation too
    second = make_acting(OrganisationKind.PROVIDER, organisation=other_membership.organisation)
    client = logged_in(sponsor)
    stranger = OrganisationFactory(kind=OrganisationKind.HUB)
    response = client.post(reverse("switch_organisation"), {"organisation": stranger.pk})
    assert response.status_code == 403
    assert client.session.get(SESSION_KEY) != stranger.pk
    client = logged_in(second)
    response = client.post(reverse("switch_organisation"), {"organisation": second.organisation.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == second.organisation.pk


def test_services_page_lists_the_whole_nomenclature(sponsor):
    page = logged_in(sponsor).get(reverse("services")).content.decode()
    assert page.count("<tr>") >= Service.objects.count() >= 100
    assert "Aide aux démarches administratives" in page


def test_pages_speak_english_on_request(sponsor):
    client = logged_in(sponsor)
    page = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert 'lang="en"' in page


def test_backoffice_is_for_operator_staff_only(operator, sponsor):
    assert logged_in(sponsor).get("/backoffice/").status_code == 302
    operator.user.is_superuser = True
    operator.user.save()
    response = logged_in(operator).get("/backoffice/catalogue/service/?all=")
    assert response.status_code == 200
    assert Service.objects.order_by("code").first().name in response.content.decode()


def test_a_member_creates_a_token_shown_once_and_revokes_it(provider):
    client = logged_in(provider)
    page = client.post(reverse("tokens"), {"name": "Scanner accueil"}).content.decode()
    clear = page.split('<code id="new-token">')[1].split("</code>")[0]
    assert clear.startswith("pn_")
    api_ok = Client().get("/api/v1/places", headers={"Authorization": f"Bearer {clear}"})
    assert api_ok.status_code == 200
    listing = client.get(reverse("tokens")).content.decode()
    assert "Scanner accueil" in listing and clear not in listing
    token = provider.membership.tokens.get()
    client.post(reverse("revoke_token", args=[token.pk]))
    api_ko = Client().get("/api/v1/places", headers={"Authorization": f"Bearer {clear}"})
    assert api_ko.status_code == 401


def test_nobody_revokes_someone_else_s_token(provider, sponsor):
    client = logged_in(provider)
    client.post(reverse("tokens"), {"name": "mine"})
    token = provider.membership.tokens.get()
    response = logged_in(sponsor).post(reverse("revoke_token", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_needs_a_name(provider):
    response = logged_in(provider).post(reverse("tokens"), {"name": "  "})
    assert response.status_code == 400
    assert "fr-error-text" in response.content.decode()
