"""Operator staff's anomalies page (/anomalies/): the anomalies of 7 or 30 days, each with the
scans behind it, and the list as CSV; nobody else gets in."""

import datetime
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.passes import codes as pass_codes
from tests.factories import PlaceFactory, make_acting, make_order, passes_of
from tests.redemptions.test_anomalies import UNKNOWN, redeem_each, redeem_on, refuse_on
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db

LIST = reverse("anomalies")
EXPORT = reverse("anomalies_export")


@pytest.fixture(autouse=True)
def small_thresholds(settings):
    settings.PASSNUM_ANOMALY_MIN_PASSES_PER_DAY = 3
    settings.PASSNUM_ANOMALY_VELOCITY_FACTOR = 2
    settings.PASSNUM_ANOMALY_REFUSALS_PER_DAY = 3


@pytest.fixture
def stock(sponsor, operator):
    return iter(passes_of(make_order(sponsor=sponsor, operator=operator, quantity=30)))


@pytest.fixture
def day():
    return timezone.localdate() - datetime.timedelta(days=1)


def page_of(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def detail(slug, subject_id, day):
    return reverse("anomaly", args=[slug, subject_id, day.isoformat()])


def test_the_operator_sees_each_kind_with_its_figures(
    operator, provider, place, stock, day, settings
):
    settings.PASSNUM_ANOMALY_MIN_PASSES_PER_DAY = 10
    booklet = [next(stock) for _ in range(10)]
    redeem_on(day, provider, place, booklet)
    redeem_each(day, provider, place, stock, 1)
    for _ in range(3):
        refuse_on(day, provider, place)
    page = page_of(logged_in(operator), LIST)
    for text in (
        "Rythme inhabituel",
        "Carnet entier en un jour",
        "Refus répétés d'un lieu",
        "Refus répétés d'un membre",
        place.name,
        provider.organisation.name,
        provider.user.get_full_name(),
        "11 pass utilisés, au-delà du seuil de 10",
        f"Les 10 pass du carnet n° {booklet[0].booklet.number}",
        "3 paiements refusés (seuil : 3). Motifs : code inconnu : 3.",
    ):
        assert text in page, text
    for slug, subject in [
        ("rythme", place.pk),
        ("carnet", booklet[0].booklet_id),
        ("refus-lieu", place.pk),
        ("refus-membre", provider.user.pk),
    ]:
        assert detail(slug, subject, day) in page


def test_nothing_to_see_below_the_thresholds(operator, provider, place, stock, day):
    redeem_each(day, provider, place, stock, 3)
    refuse_on(day, provider, place)
    page = page_of(logged_in(operator), LIST)
    assert "Aucune anomalie sur cette période." in page


def test_the_window_is_7_days_or_30(operator, provider, place, day):
    long_ago = timezone.localdate() - datetime.timedelta(days=12)
    for _ in range(3):
        refuse_on(long_ago, provider, place)
    client = logged_in(operator)
    assert place.name not in page_of(client, LIST)
    assert place.name in page_of(client, LIST, jours="30")
    assert place.name not in page_of(client, LIST, jours="9999")  # back to 7


def test_a_detail_lists_the_refused_scans(operator, provider, place, stock, day):
    used = next(stock)
    redeem_on(day, provider, place, [used])
    refuse_on(day, provider, place)
    refuse_on(day, provider, place, codes=[used.code])
    refuse_on(day, provider, place, codes=["nope"])
    page = page_of(logged_in(operator), detail("refus-lieu", place.pk, day))
    assert "Refus répétés d'un lieu — " + place.name in page
    for text in (
        UNKNOWN,
        pass_codes.display(used.code),
        "NOPE",
        "pass déjà utilisé",
        "code illisible",
    ):
        assert text in page, text
    assert page.count("<tr>") == 1 + 3


def test_a_detail_lists_the_redemptions(operator, provider, place, stock, day):
    items = redeem_each(day, provider, place, stock, 4)
    page = page_of(logged_in(operator), detail("rythme", place.pk, day))
    assert "4 pass utilisés, au-delà du seuil de 3" in page
    for result in items:
        assert str(result.passes[0].serial) in page
    assert page.count("<tr>") == 1 + 4


def test_a_detail_of_no_anomaly_is_404(operator, provider, place, day):
    for _ in range(2):
        refuse_on(day, provider, place)
    client = logged_in(operator)
    for path in (
        detail("refus-lieu", place.pk, day),  # 2 refusals: below the threshold
        detail("nonsense", place.pk, day),
        f"/anomalies/refus-lieu/{place.pk}/2026-02-30/",
    ):
        assert client.get(path).status_code == 404, path


def test_csv_export(operator, provider, place, stock, day):
    redeem_each(day, provider, place, stock, 4)
    for _ in range(3):
        refuse_on(day, provider, place)
    response = logged_in(operator).get(EXPORT, {"jours": "30"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "anomalies-30-jours" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Jour;Type;Lieu;Organisation;Membre;Carnet;Pass utilisés;Seuil")
    assert len(lines) == 1 + 3  # velocity, the place's refusals, the member's refusals
    velocity = next(line for line in lines if "Rythme inhabituel" in line)
    assert velocity.split(";")[:3] == [day.isoformat(), "Rythme inhabituel", place.name]
    assert velocity.split(";")[6:8] == ["4", "3"]
    assert any("code inconnu : 3" in line for line in lines)


@pytest.mark.parametrize(
    "kind", [OrganisationKind.PROVIDER, OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR]
)
def test_nobody_else_gets_in(kind, provider, place, day):
    for _ in range(3):
        refuse_on(day, provider, place)
    someone = provider if kind == OrganisationKind.PROVIDER else make_acting(kind)
    client = logged_in(someone)
    for path in (LIST, EXPORT, detail("refus-lieu", place.pk, day)):
        response = client.get(path)
        assert response.status_code == 403, path
        assert place.name not in response.content.decode()


def test_anonymous_people_are_sent_to_log_in(day):
    place = PlaceFactory()
    for path in (LIST, EXPORT, detail("refus-lieu", place.pk, day)):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_operator_menu_links_to_the_page(operator):
    page = page_of(logged_in(operator), reverse("home"))
    assert f'href="{LIST}"' in page
