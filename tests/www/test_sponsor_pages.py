"""The sponsor's ordering pages end to end through the Django test client: the order form and its
validation, drafts, the order's page and documents, the print proof then the print, the JSON
helpers of the form, and isolation between organisations."""

import datetime
import io
import re
from decimal import Decimal
from html import unescape

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from passnum.accounts.enums import OrganisationKind
from passnum.jobs.enums import JobStatus
from passnum.jobs.models import Job
from passnum.orders.drafts import accept_quote
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Invoice, Order
from passnum.orders.services import UsageRules, default_valid_until
from passnum.passes.enums import PassStatus
from passnum.places.enums import PlaceType, QualificationStatus
from passnum.redemptions.rules import allowed_places, pass_refusal, place_refusal
from tests.factories import (
    PlaceFactory,
    a_service,
    make_acting,
    make_draft,
    offer,
    passes_of,
)
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db

FORM = {
    "label": "Médiathèques 2027",
    "quantity": "100",
    "booklet_size": "10",
    "face_value": "10,00",
    "tolerance_days": "31",
    "communes": "",
    "epcis": "",
    "departements": "33, 2a",
    "regions": "",
    "place_types": ["epn"],
    "target_publics": ["senior"],
    "usable_from": "",
    "usable_until": "",
    "print_text": "Offert par la ville.\r\nRenseignements en mairie.",
    "action": "save",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def form_data(**changes):
    return FORM | {"valid_until": default_valid_until().isoformat()} | changes


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (0, 0, 145)).save(buffer, "PNG")
    return buffer.getvalue()


def url(name, *args):
    return reverse(f"orders:{name}", args=args)


def pdf_pages(data: bytes) -> int:
    assert data.startswith(b"%PDF-")
    return len(pdfium.PdfDocument(data))


def error_of(html: str, field: str) -> str:
    """The error text shown next to `field`, checked to be tied to its input."""
    match = re.search(
        rf'id="id_{field}_error"[^>]*>(.*?)</(?:p|div)>\s*(?:</div>|</fieldset>)', html, re.S
    )
    assert match, f"no error shown for {field}"
    assert html.count(f"id_{field}_error") >= 2, f"the error of {field} is tied to nothing"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def accepted(sponsor, **kwargs):
    return accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor, **kwargs))


# The form


def test_the_order_form_is_accessible_and_scripted_from_our_files(sponsor):
    page = logged_in(sponsor).get(url("new"))
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("quantity", "face_value", "communes", "departements", "tolerance_days"):
        assert f'<label class="fr-label" for="id_{field}"' in html
    assert 'aria-describedby="id_quantity_helptext"' in html
    assert '<legend class="fr-fieldset__legend" id="perimeter-legend">' in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert any("/static/passnum/order-form.js" in attrs for attrs in scripts)
    assert all("src=" in attrs for attrs in scripts), "an inline script would break the CSP"
    assert "Nouvelle commande" in html and 'value="10,00"' in html
    assert 'id="area-picker" hidden' in html  # shown by the script only


def test_a_sponsor_saves_a_draft_then_changes_it(sponsor, media):
    client = logged_in(sponsor)
    response = client.post(
        url("new"), form_data(logo=SimpleUploadedFile("logo.png", png(), "image/png"))
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", order.pk)
    assert order.status == OrderStatus.DRAFT and order.sponsor == sponsor.organisation
    assert (order.quantity, order.face_value_cents, order.tolerance_days) == (100, 1000, 31)
    assert order.perimeter_departements == ["2A", "33"]
    assert order.allowed_place_types == ["epn"] and order.target_publics == ["senior"]
    assert order.print_text == "Offert par la ville.\nRenseignements en mairie."
    assert (media / order.logo.name).read_bytes() == png()

    page = client.get(url("detail", order.pk)).content.decode()
    assert order.reference in page and "Accepter le devis" in page
    edit = client.get(url("edit", order.pk)).content.decode()
    assert 'value="2A, 33"' in edit and url("logo", order.pk) in edit
    response = client.post(
        url("edit", order.pk),
        form_data(quantity="2000", booklet_size="5", face_value="1 000,00", remove_logo="on"),
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.quantity, order.booklet_size, order.face_value_cents) == (2000, 5, 100_000)
    assert order.total_due_cents == 200_000_000 + 8_000_000 + 1_600_000
    assert not order.logo and Order.objects.count() == 1


def test_see_the_quote_saves_and_offers_the_pdf(sponsor):
    client = logged_in(sponsor)
    response = client.post(url("new"), form_data(action="quote"))
    order = Order.objects.get()
    assert response["Location"] == url("detail", order.pk) + "#documents"
    quote = client.get(url("quote", order.pk))
    assert quote.status_code == 200 and quote["Content-Type"] == "application/pdf"
    assert (
        quote.content.startswith(b"%PDF-")
        and f"devis-{order.reference}.pdf" in quote["Content-Disposition"]
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"booklet_size": "5"}, "booklet_size", "au moins 2000 pass"),
        ({"quantity": "105"}, "quantity", "multiple de 10"),
        ({"communes": "99999"}, "communes", "Code de commune inconnu : 99999"),
        ({"departements": "33 96"}, "departements", "Code de département invalide : 96"),
        ({"epcis": "12"}, "epcis", "Code de EPCI invalide"),
        ({"tolerance_days": "93"}, "tolerance_days", "de 0 à 92 jours"),
        ({"tolerance_days": "-1"}, "tolerance_days", "de 0 à 92 jours"),
        ({"label": "Ville\x00"}, "label", "nul"),
        ({"label": "é" * 201}, "label", "200 caractères"),
        ({"print_text": "é" * 601}, "print_text", "600 caractères"),
        ({"face_value": "dix euros"}, "face_value", "Montant en euros"),
        ({"face_value": "2 000,00"}, "face_value", "entre 0,01 € et 1 000 €"),
        (
            {"usable_from": "2027-03-01", "usable_until": "2027-02-01"},
            "usable_until",
            "se termine avant de commencer",
        ),
        ({"valid_until": "2000-01-01"}, "valid_until", "dans le passé"),
        ({"families": ["astrologie"]}, "families", "astrologie"),
    ],
)
def test_each_refusal_is_shown_next_to_its_field_and_nothing_is_saved(
    sponsor, changes, field, message
):
    response = logged_in(sponsor).post(url("new"), form_data(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in error_of(html, field)
    assert "Ce n'est pas enregistré" in html
    assert not Order.objects.exists()


def test_a_logo_that_is_not_an_image_is_refused_next_to_its_field(sponsor, media):
    fake = SimpleUploadedFile("logo.png", b"<svg>not a png</svg>", "image/png")
    response = logged_in(sponsor).post(url("new"), form_data(logo=fake))
    assert response.status_code == 400
    assert "PNG ou JPEG" in error_of(response.content.decode(), "logo")
    assert not Order.objects.exists() and not list(media.glob("logos/*"))


def test_a_logo_over_1_mb_is_refused_before_it_is_read(sponsor):
    big = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "image/png")
    response = logged_in(sponsor).post(url("new"), form_data(logo=big))
    assert "1 Mo" in error_of(response.content.decode(), "logo")


def test_every_wrong_field_is_shown_at_once(sponsor):
    response = logged_in(sponsor).post(
        url("new"), form_data(booklet_size="5", communes="99999", tolerance_days="100")
    )
    html = response.content.decode()
    for field in ("booklet_size", "communes", "tolerance_days"):
        assert error_of(html, field)


# Drafts: delete, accept


def test_a_draft_is_deleted_after_confirmation(sponsor):
    draft = make_draft(sponsor=sponsor)
    client = logged_in(sponsor)
    confirm = client.get(url("delete", draft.pk))
    assert confirm.status_code == 200 and "Supprimer le brouillon" in confirm.content.decode()
    assert Order.objects.filter(pk=draft.pk).exists()
    response = client.post(url("delete", draft.pk))
    assert response["Location"] == url("list")
    assert not Order.objects.filter(pk=draft.pk).exists()


def test_an_accepted_order_is_neither_deleted_nor_edited(sponsor):
    order = accepted(sponsor)
    client = logged_in(sponsor)
    response = client.post(url("delete", order.pk), follow=True)
    assert "n'est plus un brouillon" in unescape(response.content.decode())
    assert client.get(url("edit", order.pk))["Location"] == url("detail", order.pk)
    assert client.post(url("edit", order.pk), form_data())["Location"] == url("detail", order.pk)
    assert Order.objects.get(pk=order.pk).quantity == 10


def test_accepting_the_quote_from_the_page(sponsor):
    draft = make_draft(sponsor=sponsor, quantity=20)
    client = logged_in(sponsor)
    response = client.post(url("accept", draft.pk), follow=True)
    page = unescape(response.content.decode())
    assert "Devis accepté" in page
    draft.refresh_from_db()
    assert draft.status == OrderStatus.AWAITING_PAYMENT
    invoice = Invoice.objects.get(order=draft)
    assert invoice.number in page and url("document", draft.pk, invoice.pk) in page
    assert [p.status for p in passes_of(draft)] == [PassStatus.INACTIVE] * 20
    assert "Brouillon → <strong>En attente de paiement</strong>" in page
    download = client.get(url("document", draft.pk, invoice.pk))
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert f"facture-{invoice.number}.pdf" in download["Content-Disposition"]


def test_the_list_shows_status_quantity_amounts_and_received(sponsor, operator):
    from passnum.orders.services import record_payment

    draft = make_draft(sponsor=sponsor, quantity=10, label="Brouillon A")
    order = accepted(sponsor, quantity=100)
    record_payment(acting=operator, order=order, amount_cents=50_050, reference="VIR")
    html = logged_in(sponsor).get(url("list")).content.decode()
    assert draft.reference in html and order.reference in html
    assert "Brouillon" in html and "En attente de paiement" in html
    assert "1\u202f048,00\u00a0€" in html and "500,50\u00a0€" in html


# The proof, its approval, the print


def test_proof_then_approval_then_print(sponsor, django_capture_on_commit_callbacks):
    order = accepted(sponsor, quantity=20, print_text="Offert par la ville", logo=png())
    client = logged_in(sponsor)
    page = client.get(url("detail", order.pk)).content.decode()
    assert "Générer l'épreuve" in page and "Approuver l'épreuve" not in page
    assert "Imprimer les carnets" not in page
    assert client.post(url("print", order.pk), follow=True).status_code == 200
    assert not Job.objects.filter(kind="print_booklets").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("proof", order.pk))
    proof = Job.objects.get(kind="print_proof")
    assert response["Location"] == reverse("job", args=[proof.pk])
    call_command("worker", "--once")
    proof.refresh_from_db()
    assert proof.status == JobStatus.SUCCEEDED, proof.error_message
    download = client.get(reverse("job_file", args=[proof.pk]))
    data = b"".join(download.streaming_content)
    assert pdf_pages(data) == 3  # one booklet: its cover, then 10 passes five to a page

    page = client.get(url("detail", order.pk)).content.decode()
    assert "Approuver l'épreuve" in page and reverse("job", args=[proof.pk]) in page
    client.post(url("proof_approve", order.pk))
    order.refresh_from_db()
    assert order.proof_approved_by == sponsor.user

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("print", order.pk))
    printing = Job.objects.get(kind="print_booklets")
    assert response["Location"] == reverse("job", args=[printing.pk])
    call_command("worker", "--once")
    printing.refresh_from_db()
    assert printing.status == JobStatus.SUCCEEDED, printing.error_message
    assert (printing.progress_done, printing.progress_total) == (20, 20)
    data = b"".join(client.get(reverse("job_file", args=[printing.pk])).streaming_content)
    assert pdf_pages(data) == 6  # two booklets of 10
    assert f"carnets-{order.reference}.pdf" == printing.result_name


def test_the_print_content_changes_until_the_proof_is_approved(sponsor):
    order = accepted(sponsor)
    client = logged_in(sponsor)
    response = client.post(
        url("print_content", order.pk),
        {"print_text": "Nouveau texte", "logo": SimpleUploadedFile("l.png", png(), "image/png")},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.print_text == "Nouveau texte" and order.logo.name.startswith("logos/")
    response = client.post(url("print_content", order.pk), {"print_text": "x" * 601})
    assert response.status_code == 400
    assert "600 caractères" in error_of(response.content.decode(), "print_text")


# JSON helpers of the form


def place_in(provider, town, **fields):
    towns = {
        "bordeaux": {},
        "saint-etienne": {
            "postcode": "42000",
            "commune_name": "Saint-Étienne",
            "commune_code": "42218",
            "epci_code": "244200770",
            "departement": "42",
            "region": "84",
            "latitude": Decimal("45.439700"),
            "longitude": Decimal("4.387200"),
        },
    }
    return PlaceFactory(organisation=provider.organisation, **towns[town], **fields)


@pytest.fixture
def places(provider):
    """Two qualified places (an EPN in Bordeaux, a fablab in Saint-Étienne) and one not yet."""
    bordeaux = place_in(provider, "bordeaux", name="EPN Bordeaux")
    fablab = place_in(provider, "saint-etienne", name="Fablab", place_type=PlaceType.FABLAB)
    waiting = place_in(
        provider, "bordeaux", name="En attente", qualification_status=QualificationStatus.SUBMITTED
    )
    first, other = a_service(), a_service("smartphone")
    offer(bordeaux, service=first)
    offer(fablab, service=other)
    return {"bordeaux": bordeaux, "fablab": fablab, "waiting": waiting, "services": (first, other)}


def count(client, **params):
    response = client.get(url("places_count"), params)
    return response.status_code, response.json()


def test_the_live_count_of_the_places_the_rules_leave(sponsor, places):
    client = logged_in(sponsor)
    first, other = places["services"]
    assert count(client) == (
        200,
        {"count": 2, "text": "2 lieux qualifiés correspondent à ces règles."},
    )
    assert count(client, departements="33")[1]["count"] == 1
    assert count(client, departements=["33", "42"])[1]["count"] == 2
    assert count(client, departements="33, 42", place_types="fablab")[1]["count"] == 1
    assert count(client, communes="42218")[1]["count"] == 1
    assert count(client, epcis="243300316")[1]["count"] == 1
    assert count(client, regions="84")[1]["count"] == 1
    assert count(client, services=first.code)[1]["count"] == 1
    assert count(client, families=other.family.code)[1]["count"] == 1
    assert count(client, regions="11")[1] == {
        "count": 0,
        "text": "Aucun lieu qualifié ne correspond à ces règles pour le moment.",
    }
    status, body = count(client, communes="99999", departements="96")
    assert status == 400
    assert "inconnu : 99999" in body["errors"]["communes"]
    assert "invalide : 96" in body["errors"]["departements"]


def test_allowed_places_agree_with_the_rules(sponsor, places):
    """The live count's queryset and the redemption rules answer the same for every place."""
    from passnum.passes.models import Pass

    first, other = places["services"]
    today = timezone.localdate()
    every = [places["bordeaux"], places["fablab"], places["waiting"]]
    for rules in (
        UsageRules(),
        UsageRules(departements=["33"]),
        UsageRules(regions=["84"], place_types=["epn"]),
        UsageRules(epcis=["243300316"], communes=["42218"]),
        UsageRules(services=[first.code]),
        UsageRules(families=[other.family.code], place_types=["fablab", "epn"]),
    ):
        order = Order(
            valid_until=today + datetime.timedelta(days=30),
            tolerance_days=0,
            perimeter_communes=list(rules.communes),
            perimeter_epcis=list(rules.epcis),
            perimeter_departements=list(rules.departements),
            perimeter_regions=list(rules.regions),
            allowed_place_types=list(rules.place_types),
            allowed_families=list(rules.families),
            allowed_services=list(rules.services),
        )
        item = Pass(order=order, status=PassStatus.ACTIVE, code="X")
        expected = {
            place.pk
            for place in every
            if place_refusal(place) is None
            and pass_refusal(item, place=place, service=None, today=today) is None
            and any(
                pass_refusal(item, place=None, service=o.service, today=today) is None
                for o in place.offers.select_related("service__family")
            )
        }
        assert set(allowed_places(order).values_list("pk", flat=True)) == expected, rules


def test_territories_are_found_by_name_or_code(sponsor):
    client = logged_in(sponsor)
    results = client.get(url("areas"), {"q": "gironde"}).json()["results"]
    assert {"kind": "departement", "code": "33", "name": "Gironde"} in results
    results = client.get(url("areas"), {"q": "bordeaux"}).json()["results"]
    assert ("commune", "33063") in {(r["kind"], r["code"]) for r in results}
    assert ("epci", "243300316") in {(r["kind"], r["code"]) for r in results}
    results = client.get(url("areas"), {"q": "nouvelle-aquitaine"}).json()["results"]
    assert ("region", "75") in {(r["kind"], r["code"]) for r in results}
    assert client.get(url("areas"), {"q": ""}).json() == {"results": []}


# Isolation


def sponsor_order_urls(order, job):
    invoice = Invoice.objects.get(order=order)
    return [
        ("get", url("detail", order.pk)),
        ("get", url("edit", order.pk)),
        ("get", url("delete", order.pk)),
        ("post", url("delete", order.pk)),
        ("post", url("accept", order.pk)),
        ("get", url("quote", order.pk)),
        ("get", url("document", order.pk, invoice.pk)),
        ("get", url("logo", order.pk)),
        ("post", url("print_content", order.pk)),
        ("post", url("proof", order.pk)),
        ("post", url("proof_approve", order.pk)),
        ("post", url("print", order.pk)),
        ("get", reverse("job", args=[job.pk])),
        ("get", reverse("job_file", args=[job.pk])),
    ]


@pytest.fixture
def order_with_proof(sponsor, django_capture_on_commit_callbacks):
    from passnum.orders.proofs import request_proof

    order = accepted(sponsor, logo=png())
    with django_capture_on_commit_callbacks(execute=True):
        job = request_proof(acting=sponsor, order=order)
    call_command("worker", "--once")
    return order, job


def test_another_sponsor_gets_404_on_every_page_document_and_job(order_with_proof):
    order, job = order_with_proof
    stranger = logged_in(make_acting(OrganisationKind.SPONSOR))
    for method, address in sponsor_order_urls(order, job):
        response = getattr(stranger, method)(address)
        assert response.status_code == 404, (method, address, response.status_code)
    assert order.reference not in stranger.get(url("list")).content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.proof_approved_at is None


@pytest.mark.parametrize("kind", [OrganisationKind.DISTRIBUTOR, OrganisationKind.PROVIDER])
def test_distributors_and_providers_get_403_or_404(order_with_proof, kind):
    order, job = order_with_proof
    client = logged_in(make_acting(kind))
    for address in (url("list"), url("new"), url("areas"), url("places_count"), url("payments")):
        assert client.get(address).status_code == 403, address
    for method, address in sponsor_order_urls(order, job):
        assert getattr(client, method)(address).status_code in (403, 404), (method, address)
    home = client.get("/").content.decode()
    assert url("list") not in home and url("payments") not in home


def test_anonymous_visitors_are_sent_to_log_in(order_with_proof):
    order, _job = order_with_proof
    for address in (url("list"), url("detail", order.pk), url("logo", order.pk)):
        response = Client().get(address)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_operator_staff_see_the_order_but_act_as_operator_only(order_with_proof, operator):
    order, _job = order_with_proof
    client = logged_in(operator)
    page = client.get(url("detail", order.pk)).content.decode()
    assert order.reference in page and "Enregistrer un paiement reçu" in page
    assert "Approuver l'épreuve" not in page
    assert client.get(url("logo", order.pk)).status_code == 200
    assert client.get(url("new")).status_code == 403
    assert client.post(url("proof_approve", order.pk)).status_code == 403


def test_the_header_links_to_the_orders_of_a_sponsor(sponsor, operator):
    assert url("list") in logged_in(sponsor).get("/").content.decode()
    assert url("payments") in logged_in(operator).get("/").content.decode()
    assert url("payments") not in logged_in(sponsor).get("/").content.decode()


def test_the_logo_is_served_to_its_sponsor_only_and_not_cached(sponsor, media):
    order = make_draft(sponsor=sponsor, logo=png())
    response = logged_in(sponsor).get(url("logo", order.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png()
    assert "no-store" in response["Cache-Control"]
    for public in ("/media/", "/static/", "/"):
        assert Client().get(public + order.logo.name).status_code == 404
