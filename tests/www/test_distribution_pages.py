"""Distribution pages end to end with the Django test client: a sponsor's distributors and
assignments, a distributor's stock, hand-outs and cover letters, blocking, the operator's
reissue, and isolation between sponsors and between distributors on every page."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import Organisation, Partnership
from passnum.passes.distribution import BookletNumbers, NextInStock, assign_booklets, record_handout
from passnum.passes.enums import PassStatus
from passnum.passes.models import Booklet, HandOut, Pass
from passnum.passes.services import block_passes
from tests.factories import PlaceFactory, make_acting, make_distributor, make_order, offer
from tests.www.test_pages import logged_in
from tests.www.test_qualification_pages import error_linked

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"distribution:{name}", args=args)


def later(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def order(sponsor, operator):
    return make_order(sponsor=sponsor, operator=operator, quantity=100, valid_until=later(200))


@pytest.fixture
def distributor(sponsor):
    return make_distributor(sponsor)


def numbers(order):
    return list(
        Booklet.objects.filter(order=order).order_by("number").values_list("number", flat=True)
    )


def give(sponsor, order, distributor, count):
    assign_booklets(
        acting=sponsor,
        order=order,
        distributor=distributor.organisation,
        selection=NextInStock(count),
    )


def form(prefix: str, **fields) -> dict:
    """POST data of a form shown with a prefix (several forms on one page, distinct ids)."""
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def section(page: str, table_id: str) -> str:
    return page.split(f'id="{table_id}"')[1].split("</table>")[0]


# --- Navigation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        (OrganisationKind.SPONSOR, ["distributors", "orders", "block"]),
        (OrganisationKind.DISTRIBUTOR, ["stock", "handout", "block"]),
        (OrganisationKind.OPERATOR, ["reissue"]),
        (OrganisationKind.PROVIDER, []),
    ],
)
def test_the_header_links_the_pages_of_each_kind(kind, names):
    page = logged_in(make_acting(kind)).get("/").text
    for name in ("distributors", "orders", "stock", "handout", "block", "reissue"):
        assert (f'href="{url(name)}"' in page) == (name in names), name


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("distributors", {OrganisationKind.SPONSOR}),
        ("orders", {OrganisationKind.SPONSOR}),
        ("stock", {OrganisationKind.DISTRIBUTOR}),
        ("handout", {OrganisationKind.DISTRIBUTOR}),
        ("block", {OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR}),
        ("reissue", {OrganisationKind.OPERATOR}),
    ],
)
def test_each_page_is_for_its_kinds_only(name, allowed):
    for kind in OrganisationKind:
        status = logged_in(make_acting(kind)).get(url(name)).status_code
        assert status == (200 if kind in allowed else 403), kind
    assert "/connexion/" in Client().get(url(name)).url  # anonymous: to the login page


# --- Sponsor: distributors -----------------------------------------------------------------------


def test_a_sponsor_creates_a_distributor_and_its_admin_is_invited(
    sponsor, django_capture_on_commit_callbacks
):
    client = logged_in(sponsor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("create_distributor"),
            {
                "create-name": "Mairie de Talence",
                "create-siren": "",
                "create-departement": "33",
                "create-admin_email": "dgs@talence.example.org",
            },
        )
    assert response.status_code == 302
    created = Organisation.objects.get(name="Mairie de Talence")
    assert created.kind == OrganisationKind.DISTRIBUTOR
    assert mail.outbox[0].to == ["dgs@talence.example.org"]
    page = client.get(url("distributors")).text
    listed = section(page, "distributors")
    assert "Mairie de Talence" in listed and "dgs@talence.example.org" in listed


def test_errors_are_shown_next_to_their_field(sponsor):
    client = logged_in(sponsor)
    response = client.post(
        url("create_distributor"),
        {
            "create-name": "",
            "create-siren": "123",
            "create-departement": "",
            "create-admin_email": "x",
        },
    )
    assert response.status_code == 400
    assert error_linked(response.text, "create-name") and error_linked(
        response.text, "create-admin_email"
    )
    response = client.post(
        url("create_distributor"),
        form(
            "create", name="Mairie", siren="123456789", departement="", admin_email="a@example.org"
        ),
    )
    assert response.status_code == 400 and "SIREN" in response.text
    assert not Organisation.objects.filter(kind=OrganisationKind.DISTRIBUTOR).exists()


def test_a_sponsor_links_a_distributor_by_siren(sponsor):
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    theirs = make_distributor(other_sponsor)
    response = logged_in(sponsor).post(
        url("link_distributor"), form("link", siren=theirs.organisation.siren)
    )
    assert response.status_code == 302
    assert Partnership.objects.filter(
        sponsor=sponsor.organisation, distributor=theirs.organisation
    ).exists()


def test_a_sponsor_sees_only_its_distributors_and_members_do_not_manage_them(sponsor, distributor):
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    theirs = make_distributor(other_sponsor)
    member = make_acting(
        OrganisationKind.SPONSOR, organisation=sponsor.organisation, role=MemberRole.MEMBER
    )
    page = logged_in(member).get(url("distributors")).text
    assert distributor.organisation.name in page and theirs.organisation.name not in page
    assert 'id="create"' not in page and 'id="link"' not in page
    response = logged_in(member).post(
        url("create_distributor"),
        {
            "create-name": "X",
            "create-siren": "",
            "create-departement": "",
            "create-admin_email": "a@example.org",
        },
    )
    assert response.status_code == 400
    assert not Organisation.objects.filter(name="X").exists()
    # inviting into another sponsor's distributor: 404
    assert (
        logged_in(sponsor)
        .post(url("invite_admin", theirs.organisation.pk), {"email": "a@example.org"})
        .status_code
        == 404
    )


# --- Sponsor: assignment -------------------------------------------------------------------------


def test_the_order_page_assigns_and_withdraws_booklets(sponsor, order, distributor):
    client = logged_in(sponsor)
    page = client.get(url("order", order.reference))
    assert page.status_code == 200
    assert distributor.organisation.name in section(page.text, "assign")
    response = client.post(
        url("assign", order.reference),
        form("assign", distributor=distributor.organisation.pk, mode="count", count=3),
    )
    assert response.status_code == 302
    assert Booklet.objects.filter(distributor=distributor.organisation).count() == 3
    n = numbers(order)
    response = client.post(
        url("assign", order.reference),
        {
            "assign-distributor": distributor.organisation.pk,
            "assign-mode": "numbers",
            "assign-first": n[2],
            "assign-last": n[4],
        },
    )
    assert response.status_code == 400 and "déjà attribués" in response.text
    page = client.get(url("order", order.reference)).text
    assert "Chez un distributeur" in section(page, "states")
    assert distributor.organisation.name in section(page, "holders")
    assert "Attribution à un distributeur" in section(page, "movements")
    response = client.post(
        url("withdraw", order.reference),
        form("withdraw", mode="numbers", first=n[0], last=n[1], distributor=""),
    )
    assert response.status_code == 302
    assert Booklet.objects.filter(distributor=distributor.organisation).count() == 1
    filtered = client.get(url("order", order.reference), {"etat": "at_distributor"}).text
    assert section(filtered, "booklet-list").count("<tr>") == 2  # header + one booklet


def test_a_sponsor_never_sees_nor_assigns_another_sponsor_s_booklets(sponsor, order, distributor):
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    theirs = make_distributor(other_sponsor)
    client = logged_in(other_sponsor)
    assert client.get(url("order", order.reference)).status_code == 404
    assert order.reference not in client.get(url("orders")).text
    response = client.post(
        url("assign", order.reference),
        form("assign", distributor=theirs.organisation.pk, mode="count", count=1),
    )
    assert response.status_code == 404
    # its own order, but another sponsor's distributor: not a choice
    response = logged_in(sponsor).post(
        url("assign", order.reference),
        form("assign", distributor=theirs.organisation.pk, mode="count", count=1),
    )
    assert response.status_code == 400
    assert not Booklet.objects.filter(distributor__isnull=False).exists()


# --- Distributor: stock --------------------------------------------------------------------------


def test_the_stock_shows_only_the_distributor_s_own_booklets(sponsor, order, distributor):
    other = make_distributor(sponsor)
    n = numbers(order)
    assign_booklets(
        acting=sponsor,
        order=order,
        distributor=distributor.organisation,
        selection=BookletNumbers(n[0], n[2]),
    )
    assign_booklets(
        acting=sponsor,
        order=order,
        distributor=other.organisation,
        selection=BookletNumbers(n[3], n[4]),
    )
    page = logged_in(distributor).get(url("stock")).text
    listed = section(page, "booklet-list")
    assert all(f"<td>{x}</td>" in listed for x in n[0:3])
    assert not any(f"<td>{x}</td>" in listed for x in n[3:10])
    assert order.reference in section(page, "summary")
    assert sponsor.organisation.name in section(page, "summary")
    filtered = logged_in(distributor).get(url("stock"), {"carnet": n[1]}).text
    assert f"<td>{n[1]}</td>" in section(filtered, "booklet-list")
    assert f"<td>{n[0]}</td>" not in section(filtered, "booklet-list")
    stranger = make_distributor(make_acting(OrganisationKind.SPONSOR))
    assert f"<td>{n[0]}</td>" not in logged_in(stranger).get(url("stock")).text


def test_the_stock_page_costs_the_same_queries_for_many_booklets(sponsor, operator, distributor):
    small = make_order(sponsor=sponsor, operator=operator, quantity=30, valid_until=later(200))
    big = make_order(sponsor=sponsor, operator=operator, quantity=3000, valid_until=later(200))
    client = logged_in(distributor)
    counts = []
    for order, count in ((small, 3), (big, 300)):
        give(sponsor, order, distributor, count)
        client.get(url("stock"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("stock")).status_code == 200
        counts.append(len(queries))
    # PostgreSQL adds the session-/transaction-level statements the test client causes.
    assert counts[0] == counts[1] <= (15 if connection.vendor == "postgresql" else 12)


# --- Distributor: hand-outs ----------------------------------------------------------------------


def test_hand_out_one_booklet_then_print_its_letter(sponsor, order, distributor, provider):
    give(sponsor, order, distributor, 2)
    number = numbers(order)[0]
    client = logged_in(distributor)
    form = client.get(url("handout"), {"carnet": number}).text
    assert f'value="{number}"' in form
    assert "N&#x27;écrivez jamais le nom" in form
    response = client.post(
        url("handout_one"),
        {
            "one-booklet": number,
            "one-handed_out_on": timezone.localdate().isoformat(),
            "one-public": "job_seeker",
            "one-reference": "D-17",
        },
    )
    assert response.status_code == 302 and response.url == url("letter", number)
    assert HandOut.objects.get().reference == "D-17"
    place = PlaceFactory(organisation=provider.organisation, name="Espace Victoire")
    offer(place)
    choose = client.get(url("letter", number), {"commune": "Bordeaux"})
    assert choose.status_code == 200 and "?code=33063" in choose.text
    pdf = client.get(url("letter", number), {"code": "33063"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_hand_out_errors_are_shown_next_to_their_field(sponsor, order, distributor):
    give(sponsor, order, distributor, 1)
    response = logged_in(distributor).post(
        url("handout_one"),
        {
            "one-booklet": numbers(order)[0],
            "one-handed_out_on": later(2).isoformat(),
            "one-public": "senior",
            "one-reference": "",
        },
    )
    assert response.status_code == 400
    assert error_linked(response.text, "one-handed_out_on") and "futur" in response.text
    assert not HandOut.objects.exists()


def test_a_range_and_a_csv_file_of_hand_outs(sponsor, order, distributor):
    give(sponsor, order, distributor, 6)
    n = numbers(order)
    client = logged_in(distributor)
    today = timezone.localdate()
    response = client.post(
        url("handout_range"),
        {
            "range-first": n[0],
            "range-last": n[2],
            "range-handed_out_on": today.isoformat(),
            "range-public": "senior",
            "range-reference": "",
        },
    )
    assert response.status_code == 302
    assert HandOut.objects.count() == 3
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = f"carnet,date,catégorie\n{n[3]},{today:%d/%m/%Y},rsa\n{n[9]},{today:%d/%m/%Y},rsa\n{n[4]},hier,rsa\n"
    response = client.post(
        url("handout_csv"),
        form("csv", upload=SimpleUploadedFile("remises.csv", data.encode(), "text/csv")),
    )
    assert response.status_code == 400
    report = response.text.split('id="report"')[1].split("</div>")[0]
    assert "1 carnet enregistré" in report
    assert "Ligne 3" in report and "pas dans votre stock" in report
    assert "Ligne 4" in report and "Date illisible" in report
    bad = SimpleUploadedFile("remises.csv", "1;2;3".encode("utf-16"), "text/csv")
    response = client.post(url("handout_csv"), form("csv", upload=bad))
    assert response.status_code == 400 and "CSV UTF-8" in response.text
    assert error_linked(response.text, "csv-upload")
    assert HandOut.objects.count() == 4


def test_a_distributor_never_sees_another_s_hand_outs_or_letters(sponsor, order, distributor):
    other = make_distributor(sponsor)
    give(sponsor, order, distributor, 1)
    number = numbers(order)[0]
    record_handout(
        acting=distributor,
        booklet_number=number,
        handed_out_on=timezone.localdate(),
        public="senior",
        reference="SECRET-1",
    )
    client = logged_in(other)
    assert "SECRET-1" not in client.get(url("handout")).text
    assert client.get(url("letter", number)).status_code == 404
    assert client.get(url("letter", number), {"code": "33063"}).status_code == 404
    response = client.post(
        url("handout_one"),
        {
            "one-booklet": number,
            "one-handed_out_on": timezone.localdate().isoformat(),
            "one-public": "senior",
            "one-reference": "",
        },
    )
    assert response.status_code == 400 and "pas dans votre stock" in response.text
    # a booklet of its own stock not yet handed out has no letter either
    give(sponsor, order, other, 1)
    assert client.get(url("letter", numbers(order)[1])).status_code == 404


# --- Blocking and reissue ------------------------------------------------------------------------


def test_a_distributor_blocks_a_booklet_it_holds_not_another(sponsor, order, distributor):
    give(sponsor, order, distributor, 1)
    n = numbers(order)
    client = logged_in(distributor)
    response = client.post(url("block"), {"mode": "booklet", "booklet": n[0], "reason": "perdu"})
    assert response.status_code == 302
    first = Booklet.objects.get(number=n[0])
    assert set(
        Pass.objects.filter(
            serial__gte=first.first_serial, serial__lte=first.last_serial
        ).values_list("status", flat=True)
    ) == {PassStatus.BLOCKED}
    response = client.post(
        url("block"), {"mode": "booklet", "booklet": n[5], "reason": "pas à moi"}
    )
    assert response.status_code == 400 and "pas l&#x27;un des vôtres" in response.text
    other = Booklet.objects.get(number=n[5])
    response = client.post(
        url("block"),
        {"mode": "range", "first": other.first_serial, "last": other.last_serial, "reason": "x"},
    )
    assert response.status_code == 400
    assert Pass.objects.filter(status=PassStatus.BLOCKED).count() == 10


def test_a_sponsor_blocks_a_pass_of_its_orders_only(sponsor, order):
    first = Booklet.objects.filter(order=order).order_by("number").first()
    client = logged_in(sponsor)
    assert (
        client.post(
            url("block"), {"mode": "pass", "serial": first.first_serial, "reason": "volé"}
        ).status_code
        == 302
    )
    assert Pass.objects.get(serial=first.first_serial).status == PassStatus.BLOCKED
    stranger = make_acting(OrganisationKind.SPONSOR)
    response = logged_in(stranger).post(
        url("block"), {"mode": "pass", "serial": first.first_serial + 1, "reason": "x"}
    )
    assert response.status_code == 400
    assert Pass.objects.get(serial=first.first_serial + 1).status == PassStatus.ACTIVE
    response = client.post(url("block"), {"mode": "pass", "serial": "", "reason": ""})
    assert (
        response.status_code == 400
        and error_linked(response.text, "serial")
        and error_linked(response.text, "reason")
    )


def test_the_operator_reissues_blocked_passes(sponsor, operator, order, distributor):
    give(sponsor, order, distributor, 1)
    first = Booklet.objects.get(distributor=distributor.organisation)
    block_passes(
        acting=distributor,
        serial_first=first.first_serial,
        serial_last=first.last_serial,
        reason="volé",
    )
    response = logged_in(operator).post(
        url("reissue"), {"first": first.first_serial, "last": first.last_serial, "reason": "vol"}
    )
    assert response.status_code == 200
    new = section(response.text, "new-booklets")
    assert distributor.organisation.name in new and order.reference in new
    assert Pass.objects.filter(order=order, status=PassStatus.REPLACED).count() == 10
    response = logged_in(operator).post(
        url("reissue"), {"first": first.first_serial, "last": first.last_serial, "reason": "vol"}
    )
    assert response.status_code == 400
    assert (
        logged_in(sponsor).post(url("reissue"), {"first": 1, "last": 2, "reason": "x"}).status_code
        == 403
    )
