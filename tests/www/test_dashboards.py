"""Dashboards (issue #8): a sponsor's per order and overall, operator staff picking a sponsor, a
distributor's; the figures (live and from the tallies), the CSV / XLSX exports, isolation on
every page and export, and query counts that do not grow with the data."""

import csv
import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.dashboards.enums import UsageAxis
from passnum.dashboards.models import UsageTally, UsageWatermark
from passnum.dashboards.usage import refresh_all_usage_tallies, refresh_usage_tallies
from passnum.orders.enums import TargetPublic
from passnum.passes.distribution import NextInStock, assign_booklets, record_handout
from passnum.passes.models import Booklet
from passnum.passes.services import block_passes, expire_order_passes
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption
from passnum.redemptions.services import redeem_passes, undo_redemption
from tests.factories import (
    PlaceFactory,
    a_service,
    make_acting,
    make_distributor,
    make_order,
    offer,
    passes_of,
)
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db


def later(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def order(sponsor, operator):
    return make_order(sponsor=sponsor, operator=operator, quantity=40, valid_until=later(200))


@pytest.fixture
def other_sponsor(db):
    return make_acting(OrganisationKind.SPONSOR)


@pytest.fixture
def other_order(other_sponsor, operator):
    return make_order(sponsor=other_sponsor, operator=operator, quantity=10, valid_until=later(200))


@pytest.fixture
def distributor(sponsor):
    return make_distributor(sponsor)


@pytest.fixture
def lyon(provider):
    return PlaceFactory(
        organisation=provider.organisation,
        name="EPN de Lyon",
        commune_name="Lyon",
        commune_code="69123",
        epci_code="200046977",
        departement="69",
        region="84",
        postcode="69001",
    )


def redeem(provider, place, items, *, family=None):
    service = a_service(family)
    offer(place, service=service, price_cents=1000 * len(items))
    return redeem_passes(
        acting=provider,
        place=place,
        service=service,
        price_cents=1000 * len(items),
        codes=[item.code for item in items],
    ).redemption


def order_url(order):
    return reverse("order_dashboard", args=[order.reference])


def export_url(order, table, fmt):
    return reverse("order_dashboard_export", args=[order.reference, table, fmt])


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def used_world(sponsor, distributor, provider, place, lyon, order):
    """Booklet 1 handed out to a senior, booklet 2 to a job seeker: 3 passes used in Bordeaux
    (smartphone service), 2 in Lyon (another family), 1 redemption undone."""
    assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=NextInStock(3)
    )
    first, second = Booklet.objects.filter(order=order).order_by("number")[:2]
    record_handout(
        acting=distributor,
        booklet_number=first.number,
        handed_out_on=timezone.localdate(),
        public=TargetPublic.SENIOR,
    )
    record_handout(
        acting=distributor,
        booklet_number=second.number,
        handed_out_on=timezone.localdate(),
        public=TargetPublic.JOB_SEEKER,
    )
    items = passes_of(order)
    redeem(provider, place, items[0:3], family="smartphone")
    redeem(provider, lyon, items[10:12], family="messagerie")
    undone = redeem(provider, place, items[3:4], family="smartphone")
    undo_redemption(acting=provider, redemption=undone)


# --- Figures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("folded", [False, True], ids=["live", "from-tallies"])
def test_order_dashboard_figures(
    settings, folded, sponsor, distributor, provider, place, lyon, order
):
    used_world(sponsor, distributor, provider, place, lyon, order)
    if folded:  # the same figures once the tallies hold every transaction
        settings.PASSNUM_DASHBOARD_LAG_SECONDS = 0
        refresh_all_usage_tallies()
        assert UsageTally.objects.filter(order=order, axis=UsageAxis.DAY).get().passes == 5
        handed = UsageTally.objects.filter(order=order, axis=UsageAxis.HANDED_OUT)
        assert {tally.key: tally.passes for tally in handed} == {"senior": 10, "job_seeker": 10}
    else:
        settings.PASSNUM_DASHBOARD_LAG_SECONDS = 3600  # nothing folded in: all counted live
    client = logged_in(sponsor)
    response = client.get(order_url(order))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="fr-callout__title" id="used-passes">5</p>' in page
    assert "(12,5\u00a0%)" in page
    assert 'role="img"' in page and "<title" in page
    assert 'id="table-lieux"' in page and "EPN de Lyon" in page

    def table(slug):
        rows = csv_rows(client.get(export_url(order, slug, "csv")))
        return {row[0]: row[1:] for row in rows[1:]}

    passes = table("pass")
    assert passes["Émis"] == ["40", "100,0"]
    assert passes["Chez les distributeurs"][0] == "10"  # booklet 3, not handed out
    assert passes["Remis aux bénéficiaires"][0] == "20"
    assert passes["Utilisés"] == ["5", "12,5"]
    assert passes["Encore utilisables"][0] == "35"
    money = table("montants")
    assert money["Engagé (valeur faciale des commandes payées)"] == ["400,00"]
    assert money["Utilisé (valeur faciale des pass utilisés)"] == ["50,00"]
    assert money["Encore disponible"] == ["350,00"]
    departements = table("departements")
    assert [key.split(" ")[0] for key in departements] == ["33", "69"]  # the most used first
    assert departements[next(iter(departements))] == ["3", "30,00", "60,0"]
    assert table("communes")["Lyon (69123)"][0] == "2"
    families = table("familles")
    assert sum(int(row[0]) for row in families.values()) == 5 and len(families) == 2
    publics = table("publics")
    assert publics["Senior"] == ["10", "3", "30,0"]  # the undone redemption does not count
    assert publics["Demandeur d'emploi"] == ["10", "2", "20,0"]
    months = table("mois")
    assert sum(int(row[0]) for row in months.values()) == 5
    weeks = table("semaines")  # a short range is also shown week by week
    assert sum(int(row[0]) for row in weeks.values()) == 5


def test_blocked_and_expired_passes_count_and_make_money_refundable(
    sponsor, operator, provider, place, order
):
    items = passes_of(order)
    block_passes(
        acting=sponsor, serial_first=items[0].serial, serial_last=items[1].serial, reason="perdu"
    )
    redeem(provider, place, items[2:5])
    client = logged_in(sponsor)

    def table(slug):
        return {row[0]: row[1:] for row in csv_rows(client.get(export_url(order, slug, "csv")))[1:]}

    assert table("pass")["Bloqués"][0] == "2"
    assert table("pass")["Encore utilisables"][0] == "35"
    expire_order_passes(
        actor=operator.user, order=order, today=order.expires_on + datetime.timedelta(days=1)
    )
    assert check_ledger() == []
    passes, money = table("pass"), table("montants")
    assert passes["Expirés"][0] == "37" and passes["Bloqués"][0] == "0"
    assert passes["Encore utilisables"][0] == "0" and passes["Utilisés"][0] == "3"
    # Refundable as the ledger holds it: 37 expired passes × 10 €.
    assert money["Remboursable (pass expirés non utilisés)"] == ["370,00"]
    assert money["Encore disponible"] == ["0,00"]


def test_refresh_folds_once_and_respects_the_lag(settings, provider, place, order):
    items = passes_of(order)
    settings.PASSNUM_DASHBOARD_LAG_SECONDS = 3600
    redeem(provider, place, items[:2])
    assert refresh_usage_tallies() == 0  # too fresh: left to the live count
    assert not UsageTally.objects.exists()
    settings.PASSNUM_DASHBOARD_LAG_SECONDS = 0
    assert refresh_usage_tallies() >= 1
    assert refresh_usage_tallies() == 0  # nothing new: folding twice never counts twice
    day = UsageTally.objects.get(order=order, axis=UsageAxis.DAY)
    assert (day.passes, day.amount_cents) == (2, 2000)
    redemption = redeem(provider, place, items[2:3])
    undo_redemption(acting=provider, redemption=redemption)
    settings.PASSNUM_DASHBOARD_REFRESH_BATCH = 1  # one transaction at a time
    folded = refresh_all_usage_tallies()
    assert folded == 2
    day.refresh_from_db()
    assert (day.passes, day.amount_cents) == (2, 2000)
    watermark = UsageWatermark.objects.get()
    assert watermark.last_transaction_at is not None and watermark.refreshed_at is not None
    assert Redemption.objects.count() == 2


# --- Sponsor overall and operator staff ------------------------------------------------------------


def test_overall_dashboard_lists_the_sponsors_orders_only(
    sponsor, operator, provider, place, order, other_order
):
    redeem(provider, place, passes_of(order)[:1])
    redeem(provider, place, passes_of(other_order)[:4])
    client = logged_in(sponsor)
    page = client.get(reverse("dashboard")).content.decode()
    assert order.reference in page and other_order.reference not in page
    assert 'id="sponsor-picker"' not in page
    assert "{% include" not in page
    rows = csv_rows(client.get(reverse("dashboard_export", args=["commandes", "csv"])))
    assert rows[0][:3] == ["Référence", "Libellé", "État"]
    assert [row[0] for row in rows[1:]] == [order.reference]
    assert rows[1][4] == "1"
    # Another sponsor's id in the query changes nothing for a sponsor.
    asked = f"{reverse('dashboard')}?commanditaire={other_order.sponsor_id}"
    assert other_order.reference not in client.get(asked).content.decode()


def test_operator_picks_a_sponsor(operator, sponsor, order, other_order):
    client = logged_in(operator)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="sponsor-picker"' in page and order.reference not in page
    page = client.get(f"{reverse('dashboard')}?commanditaire={sponsor.organisation.pk}")
    assert order.reference in page.content.decode()
    assert other_order.reference not in page.content.decode()
    export = client.get(
        f"{reverse('dashboard_export', args=['commandes', 'csv'])}"
        f"?commanditaire={sponsor.organisation.pk}"
    )
    assert [row[0] for row in csv_rows(export)[1:]] == [order.reference]
    assert client.get(f"{reverse('dashboard')}?commanditaire=999999").status_code == 404
    assert client.get(order_url(other_order)).status_code == 200
    not_a_sponsor = f"{reverse('dashboard')}?commanditaire={operator.organisation.pk}"
    assert client.get(not_a_sponsor).status_code == 404


def test_xlsx_export_has_french_titles_and_numbers(sponsor, provider, place, order):
    redeem(provider, place, passes_of(order)[:2])
    response = logged_in(sponsor).get(export_url(order, "montants", "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"{order.reference}-montants" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    strings = (
        archive.read("xl/sharedStrings.xml").decode()
        if "xl/sharedStrings.xml" in archive.namelist()
        else ""
    )
    assert "Montant" in sheet + strings and "Euros" in sheet + strings
    assert "<v>20</v>" in sheet  # 20,00 € used, a number


# --- Isolation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        lambda o: order_url(o),
        lambda o: export_url(o, "pass", "csv"),
        lambda o: export_url(o, "lieux", "xlsx"),
    ],
    ids=["page", "csv", "xlsx"],
)
def test_another_sponsors_order_is_not_found(path, sponsor, other_order, order):
    client = logged_in(sponsor)
    assert client.get(path(other_order)).status_code == 404
    assert client.get(path(order)).status_code == 200


def test_who_may_open_which_dashboard(sponsor, provider, distributor, order):
    for acting, expected in ((provider, 403), (distributor, 403)):
        client = logged_in(acting)
        assert client.get(order_url(order)).status_code == expected
        assert client.get(export_url(order, "pass", "csv")).status_code == expected
    assert logged_in(provider).get(reverse("dashboard")).status_code == 403
    anonymous = logged_in(sponsor)
    anonymous.logout()
    assert anonymous.get(order_url(order)).status_code == 302
    client = logged_in(sponsor)
    assert client.get(export_url(order, "inconnue", "csv")).status_code == 404
    assert client.get(export_url(order, "pass", "pdf")).status_code == 404
    assert client.get(reverse("order_dashboard", args=["NOPE"])).status_code == 404


def test_draft_orders_have_no_dashboard(sponsor, operator):
    from tests.factories import make_draft

    draft = make_draft(sponsor=sponsor)
    assert logged_in(sponsor).get(order_url(draft)).status_code == 404


# --- Distributor ----------------------------------------------------------------------------------


def test_distributor_dashboard_and_isolation(sponsor, distributor, order, other_sponsor, operator):
    assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=NextInStock(3)
    )
    first = Booklet.objects.filter(order=order).order_by("number").first()
    record_handout(
        acting=distributor,
        booklet_number=first.number,
        handed_out_on=timezone.localdate(),
        public=TargetPublic.YOUNG,
    )
    other_distributor = make_distributor(other_sponsor)
    other_order = make_order(sponsor=other_sponsor, operator=operator, quantity=20)
    assign_booklets(
        acting=other_sponsor,
        order=other_order,
        distributor=other_distributor.organisation,
        selection=NextInStock(2),
    )
    client = logged_in(distributor)
    page = client.get(reverse("dashboard")).content.decode()
    assert order.reference in page and other_order.reference not in page
    stock = csv_rows(client.get(reverse("dashboard_export", args=["stock", "csv"])))
    assert stock[0][:2] == ["Commanditaire", "Commande"]
    assert [row[1] for row in stock[1:]] == [order.reference]
    assert stock[1][-1] == "3"
    states = {
        row[0]: row[1]
        for row in csv_rows(client.get(reverse("dashboard_export", args=["etats", "csv"])))
    }
    assert states["Chez un distributeur"] == "2" and states["Remis à un bénéficiaire"] == "1"
    publics = csv_rows(
        client.get(
            reverse("dashboard_export", args=["remises-publics", "xlsx"]).replace("xlsx", "csv")
        )
    )
    assert publics[1] == ["Jeune de 16 à 25 ans", "1", "10"]
    months = csv_rows(client.get(reverse("dashboard_export", args=["remises-mois", "csv"])))
    assert [row[1:] for row in months[1:]] == [["1", "10"]]
    # The other distributor sees its own stock only.
    other = csv_rows(
        logged_in(other_distributor).get(reverse("dashboard_export", args=["stock", "csv"]))
    )
    assert [row[1] for row in other[1:]] == [other_order.reference]
    assert client.get(reverse("dashboard_export", args=["commandes", "csv"])).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


def queries_of(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_data(
    settings, sponsor, distributor, provider, place, lyon, order
):
    settings.PASSNUM_DASHBOARD_LAG_SECONDS = 0
    client = logged_in(sponsor)
    distributor_client = logged_in(distributor)
    paths = [order_url(order), reverse("dashboard")]
    used_world(sponsor, distributor, provider, place, lyon, order)
    queries_of(client, paths[0])  # folds the first transactions in (and sets the session)
    queries_of(distributor_client, reverse("dashboard"))
    small = [queries_of(client, path) for path in paths]
    small_distributor = queries_of(distributor_client, reverse("dashboard"))
    items = passes_of(order)
    other_place = PlaceFactory(organisation=provider.organisation, departement="75")
    for start in range(20, 36, 2):
        where = (place, lyon, other_place)[start % 3]
        redeem(provider, where, items[start : start + 2], family=("argent", "demarches")[start % 2])
    record_handout(
        acting=distributor,
        booklet_number=Booklet.objects.filter(order=order).order_by("number")[2].number,
        handed_out_on=timezone.localdate(),
        public=TargetPublic.RSA,
    )
    first = [queries_of(client, path) for path in paths]  # folds the new transactions in
    again = [queries_of(client, path) for path in paths]
    assert again == small
    assert all(count <= bound + 4 for count, bound in zip(first, small, strict=True))
    assert queries_of(distributor_client, reverse("dashboard")) == small_distributor
    assert max(small) <= 30


# --- Links, daily job, command --------------------------------------------------------------------


def test_home_and_order_page_link_to_the_dashboards(sponsor, order):
    client = logged_in(sponsor)
    assert reverse("dashboard") in client.get("/").content.decode()
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert order_url(order) in page


def test_daily_job_and_command_fold_everything(settings, provider, place, order):
    from django.core.management import call_command

    from passnum.jobs.registry import daily_jobs

    settings.PASSNUM_DASHBOARD_LAG_SECONDS = 0
    settings.PASSNUM_DASHBOARD_REFRESH_BATCH = 2
    items = passes_of(order)
    for index in range(3):
        redeem(provider, place, items[index : index + 1])
    assert "transaction" in daily_jobs()["refresh_usage_tallies"]()
    assert UsageTally.objects.get(order=order, axis=UsageAxis.DAY).passes == 3
    redeem(provider, place, items[5:6])
    out = io.StringIO()
    call_command("dashboards", "refresh", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert UsageTally.objects.get(order=order, axis=UsageAxis.DAY).passes == 4
