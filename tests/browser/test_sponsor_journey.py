"""The sponsor's whole journey in a real browser (issue #8): a sponsor orders in the form and
accepts the quote, operator staff record the payment, the sponsor generates and approves the
print proof and prints the booklets (the background worker runs once for each job), downloads
the booklets' PDF and reads a pass's barcode back from it, assigns a booklet to its distributor;
the distributor hands it out and prints its cover letter; a place redeems a pass of that booklet
on the scanning page; the order's page then shows a pass used and the booklet started, and its
dashboard the use at the place.

Set PASSNUM_SCREENSHOTS=<folder> to keep screenshots of the key pages."""

import datetime
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.orders.models import Order
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Booklet, Pass
from tests.browser.test_qualification_journey import log_out, screenshot, starting
from tests.factories import (
    PASSWORD,
    PlaceFactory,
    make_acting,
    make_distributor,
    offer,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

LABEL = "Pass numérique — seniors de Bordeaux"
PLACE = "EPN de la Bastide"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def log_in(page: Page, email: str, next_url: str) -> None:
    page.goto(f"/connexion/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_attached()


def success(page: Page, text: str) -> None:
    expect(page.locator(".fr-alert--success").first).to_contain_text(text)


def run_the_job(page: Page) -> None:
    """On a job's page: the worker runs what is queued, the page then offers the file."""
    expect(page.locator("h1")).to_be_visible()
    call_command("worker", "--once")
    page.reload()
    expect(page.get_by_role("heading", name="Terminé")).to_be_visible()


def download(page: Page, link_name: str | re.Pattern[str]) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    return Path(info.value.path()).read_bytes()


def pdf_texts(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def code128_on_page(data: bytes, number: int) -> list[str]:
    """The Code 128 barcodes of one page, rendered at 216 dpi and decoded by zxing-cpp."""
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[number].render(scale=3, grayscale=True).to_pil()
    finally:
        document.close()
    return [
        found.text
        for found in zxingcpp.read_barcodes(image)
        if found.format == zxingcpp.BarcodeFormat.Code128
    ]


def order_passes(page: Page) -> str:
    """The sponsor fills the order form, saves the draft and accepts its quote; the order's URL."""
    page.goto("/commandes/nouvelle/")
    page.get_by_label(starting("Libellé")).fill(LABEL)
    page.get_by_label(starting("Nombre de pass")).fill("20")  # two booklets of 10
    # A year of validity: booklets are handed out until 15 days before its end.
    valid_until = timezone.localdate() + datetime.timedelta(days=365)
    page.get_by_label(starting("Fin de validité des pass")).fill(valid_until.isoformat())
    page.get_by_label(starting("Départements")).fill("33")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    success(page, "Le brouillon")
    expect(page.locator("#order-status")).to_have_text("Brouillon")
    order_url = page.url
    page.get_by_role("button", name="Accepter le devis").click()
    success(page, "Devis accepté")
    expect(page.locator("#order-status")).to_have_text("En attente de paiement")
    return order_url


def record_the_payment(page: Page, reference: str) -> None:
    """Operator staff find the order among the payments awaited and record its whole amount."""
    page.goto("/paiements/")
    page.get_by_role("link", name=f"Enregistrer un paiement — {reference}").click()
    remaining = page.locator("#amount-remaining").inner_text()
    amount = re.sub(r"[^\d,]", "", remaining)
    page.get_by_label(starting("Montant reçu, en euros")).fill(amount)
    page.get_by_label(starting("Référence du virement")).fill("VIR 2026-118")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    success(page, f"la commande {reference} est payée")
    expect(page.locator("#payments-awaited")).not_to_contain_text(reference)


def proof_and_print(page: Page, order_url: str) -> bytes:
    """The sponsor generates the proof, approves it, prints: the booklets' PDF."""
    page.goto(order_url)
    page.get_by_role("button", name="Générer l'épreuve").click()
    run_the_job(page)
    page.goto(order_url)
    page.get_by_role("button", name="Approuver l'épreuve").click()
    success(page, "Épreuve approuvée")
    page.get_by_role("button", name="Imprimer les carnets").click()
    run_the_job(page)
    screenshot(page, "print-job")
    return download(page, re.compile(r"^Télécharger carnets-CMD-.*\.pdf"))


def assign_one_booklet(page: Page, order_url: str, distributor: str) -> None:
    page.goto(order_url)
    page.locator("#distribution-links").get_by_role("link", name="Attribuer des carnets").click()
    form = page.locator("form#assign")
    form.get_by_label("Distributeur").select_option(label=distributor)
    form.get_by_label(starting("Nombre de carnets")).fill("1")
    form.get_by_role("button", name="Attribuer").click()
    success(page, f"1 carnet(s) attribué(s) à {distributor}")


def hand_out_with_letter(page: Page, number: int) -> bytes:
    """The distributor records the hand-out of booklet `number` and prints its cover letter."""
    page.goto("/distribution/stock/")
    held = page.locator("#booklet-list tbody tr", has_text=re.compile(rf"^\s*{number}\b"))
    expect(held).to_contain_text("Chez un distributeur")
    page.goto("/distribution/remettre/")
    form = page.locator("form#one")
    form.get_by_label(starting("Numéro du carnet")).fill(str(number))
    form.get_by_label(starting("Public")).select_option("senior")
    form.get_by_label(starting("Référence pseudonyme")).fill("BEN-0042")
    form.get_by_role("button", name="Enregistrer la remise").click()
    success(page, f"Carnet n° {number} remis")
    expect(page.locator("h1")).to_have_text(f"Lettre d'accompagnement du carnet {number}")
    page.get_by_label(starting("Commune de la personne")).fill("Bordeaux")
    page.get_by_role("button", name="Chercher la commune").click()
    screenshot(page, "cover-letter")
    return download(page, "Lettre pour Bordeaux (33)")


def test_from_order_to_a_pass_used_at_a_place(page: Page, live_server):
    page.context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + ")"), lambda route: route.abort()
    )
    sponsor = make_acting(OrganisationKind.SPONSOR)
    operator = make_acting(OrganisationKind.OPERATOR)
    distributor = make_distributor(sponsor)
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation, name=PLACE)
    service = offer(place, price_cents=1000).service

    log_in(page, sponsor.user.email, "/commandes/")
    order_url = order_passes(page)
    reference = page.locator("h1").inner_text().removeprefix("Commande ")
    log_out(page)

    log_in(page, operator.user.email, "/paiements/")
    record_the_payment(page, reference)
    log_out(page)

    log_in(page, sponsor.user.email, order_url)
    booklets_pdf = proof_and_print(page, order_url)
    texts = pdf_texts(booklets_pdf)
    assert len(texts) == 6  # per booklet: a cover, then two pages of five passes
    first = Booklet.objects.filter(order__reference=reference).order_by("number").first()
    assert first is not None
    assert f"Carnet n° {first.number}" in texts[0]
    decoded = code128_on_page(booklets_pdf, 1)  # the first booklet's first page of passes
    assert len(decoded) == 5
    passes = {
        item.code: item
        for item in Pass.objects.filter(
            serial__gte=first.first_serial, serial__lte=first.last_serial
        )
    }
    assert set(decoded) <= set(passes)
    assign_one_booklet(page, order_url, distributor.organisation.name)
    log_out(page)

    log_in(page, distributor.user.email, "/distribution/stock/")
    letter = hand_out_with_letter(page, first.number)
    letter_text = "\n".join(pdf_texts(letter))
    assert PLACE in letter_text and "Bordeaux" in letter_text
    log_out(page)

    # At the place: its member types the code on the scanning page and confirms.
    log_in(page, provider.user.email, "/scanner/")
    page.get_by_label("Service rendu").select_option(service.code)
    code_field = page.get_by_label("Code du pass")
    code_field.fill(pass_codes.display(decoded[0]).lower())
    code_field.press("Enter")
    expect(page.locator("#scan-list tbody tr").first).to_contain_text("Utilisable ici")
    page.get_by_role("button", name="Confirmer le paiement").click()
    expect(page.get_by_role("heading", name="1 pass utilisé")).to_be_visible()
    log_out(page)
    assert Pass.objects.get(code=decoded[0]).status == PassStatus.REDEEMED

    log_in(page, sponsor.user.email, order_url)
    block = page.locator("#distribution ~ div").first
    expect(block.locator('#distribution-passes tr[data-status="redeemed"] td')).to_have_text("1")
    expect(block.locator('#distribution-states tr[data-state="started"] td').last).to_have_text("1")
    expect(page.locator("#distribution-holders")).to_contain_text(
        f"{distributor.organisation.name} : 1 carnet"
    )
    screenshot(page, "order-distribution")
    page.get_by_role("link", name="Voir les carnets de la commande").click()
    row = page.locator("#booklet-list tbody tr", has_text=re.compile(rf"^\s*{first.number}\b"))
    expect(row).to_contain_text("Entamé")
    expect(row).to_contain_text("1 / 10")

    # The sponsor's dashboard of the order counts the use, at the place.
    reference = Order.objects.get(sponsor=sponsor.organisation).reference
    page.goto(f"/tableau-de-bord/commandes/{reference}/")
    expect(page.locator("main")).to_contain_text(PLACE)
    assert Pass.objects.filter(status=PassStatus.REDEEMED).count() == 1
    screenshot(page, "order-dashboard")
