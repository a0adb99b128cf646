"""A place gets paid, in a real browser (issue #9): a pass image taken from a printed booklet PDF
is scanned through the page's camera path (a photo of the pass) and another is typed; the
payment is confirmed. The next month, finance staff prepare the month's payout run in their
pages, download the SEPA file — valid against its XSD — and the place's statement, which lists
both passes; the place sees the transfer in "Mes paiements". The ledger holds throughout."""

import csv
import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.payouts.models import PayoutTransfer
from passnum.payouts.sepa import validate_sepa_xml
from passnum.reconciliation.checks import check_ledger
from tests.browser.test_scan_page import PRICE, log_in, printed_pass, row_of
from tests.factories import (
    PASSWORD,
    PlaceFactory,
    give_bank_details,
    make_acting,
    make_order,
    offer,
    passes_of,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def log_in_staff(page: Page, email: str, next_url: str) -> None:
    page.goto(f"/connexion/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_scan_then_get_paid_with_statement_and_sepa_file(page: Page, live_server, tmp_path: Path):
    operator = make_acting(OrganisationKind.OPERATOR)
    provider = make_acting(OrganisationKind.PROVIDER)
    give_bank_details(provider, validated_by=operator)
    place = PlaceFactory(organisation=provider.organisation, name="EPN de la Bastide")
    service = offer(place, price_cents=PRICE).service
    order = make_order(
        sponsor=make_acting(OrganisationKind.SPONSOR), operator=operator, quantity=10
    )
    picture, scanned = printed_pass(order, live_server.url)
    photo = tmp_path / "pass.jpg"
    picture.save(photo, quality=90)
    typed = next(item.code for item in passes_of(order) if item.code != scanned)

    # At the place: one pass from its photo, one typed; confirmed.
    log_in(page, provider.user.email, "/scanner/")
    page.get_by_label("Service rendu").select_option(service.code)
    page.get_by_label("Scanner une photo").set_input_files(photo)
    expect(row_of(page, scanned)).to_contain_text("Utilisable ici")
    code_field = page.get_by_label("Code du pass")
    code_field.fill(typed)
    code_field.press("Enter")
    expect(row_of(page, typed)).to_contain_text("Utilisable ici")
    page.get_by_role("button", name="Confirmer le paiement").click()
    expect(page.get_by_role("heading", name="2 pass utilisés")).to_be_visible()
    assert check_ledger() == []
    page.context.clear_cookies()

    # The 10th of next month (the live server shares this process's clock).
    today = timezone.localdate()
    month = today.strftime("%Y-%m")
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=10)
    with time_machine.travel(
        datetime.datetime.combine(
            next_month, datetime.time(9), tzinfo=timezone.get_current_timezone()
        ),
        tick=True,
    ):
        log_in_staff(page, operator.user.email, "/virements/")
        page.get_by_label("Mois ou semaine à payer").fill(month)
        page.get_by_role("button", name="Préparer le paiement").click()
        expect(page.locator("#transfers")).to_contain_text(provider.organisation.name)
        transfer = PayoutTransfer.objects.get()
        assert transfer.gross_cents == 2000 and transfer.net_cents < 2000

        with page.expect_download() as sepa:
            page.get_by_role("button", name="Télécharger le fichier SEPA").click()
        content = Path(sepa.value.path()).read_bytes()
        validate_sepa_xml(content, "pain.001.001.09")  # raises if not valid against the XSD
        assert transfer.end_to_end_id.encode() in content

        with page.expect_download() as statement:
            page.locator("#transfers a", has_text="CSV").first.click()
        text = Path(statement.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert any(service.label in ";".join(row) for row in rows)
        assert check_ledger() == []
        page.context.clear_cookies()

        log_in_staff(page, provider.user.email, "/mes-paiements/")
        expect(page.locator("main")).to_contain_text(transfer.statement_number)
