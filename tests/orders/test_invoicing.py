"""Quotes, invoices and credit notes: gap-free numbering, copied figures and identities, the
French legal mentions on the PDFs (text read back with pypdfium2)."""

import datetime
import re
import threading

import pypdfium2 as pdfium
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import InvalidInput
from passnum.orders.documents import render_credit_note, render_invoice, render_quote
from passnum.orders.enums import InvoiceKind
from passnum.orders.exceptions import CreditNoteRefused, NotInvoiceable
from passnum.orders.invoicing import issue_credit_note, issue_invoice
from passnum.orders.models import Invoice
from passnum.orders.services import UsageRules, cancel_order
from passnum.passes.services import expire_order_passes
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.services import redeem_passes
from tests.factories import PlaceFactory, make_acting, make_order, offer, passes_of

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def pdf_text(data: bytes) -> str:
    """The text of every page as one line, spaces normalised (lines wrap where the layout says;
    amounts use no-break spaces)."""
    assert data.startswith(b"%PDF-")
    document = pdfium.PdfDocument(data)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return re.sub(r"\s+", " ", text.replace("\u202f", " "))


def number_of(invoice: Invoice) -> int:
    return int(invoice.number.rsplit("-", 1)[1])


@pytest.fixture
def unpaid(sponsor, operator):
    return make_order(sponsor=sponsor, operator=operator, paid=False)


def expired_order(sponsor, operator, *, used: int = 0):
    """A paid order of 20 passes whose validity has ended; `used` of them were redeemed first."""
    order = make_order(sponsor=sponsor, operator=operator, quantity=20)
    if used:
        provider = make_acting(OrganisationKind.PROVIDER)
        place = PlaceFactory(organisation=provider.organisation)
        service = offer(place, price_cents=1000 * used).service
        redeem_passes(
            acting=provider,
            place=place,
            service=service,
            price_cents=1000 * used,
            codes=[item.code for item in passes_of(order)[:used]],
        )
    expire_order_passes(
        actor=operator.user, order=order, today=order.expires_on + datetime.timedelta(days=1)
    )
    return order


# Invoices


def test_the_sponsor_accepting_its_quote_gets_the_invoice(unpaid, sponsor):
    invoice = issue_invoice(acting=sponsor, order=unpaid)
    assert invoice.kind == InvoiceKind.INVOICE
    assert re.fullmatch(rf"F{YEAR}-\d{{6}}", invoice.number)
    assert (
        invoice.pass_count,
        invoice.face_value_cents,
        invoice.face_total_cents,
        invoice.fee_bps,
        invoice.fee_cents,
        invoice.vat_bps,
        invoice.vat_cents,
        invoice.total_cents,
    ) == (10, 1000, 10_000, 400, 400, 2000, 80, 10_480)
    assert invoice.issued_by == sponsor.user
    assert invoice.due_on == timezone.localdate(invoice.issued_at) + datetime.timedelta(days=30)
    assert invoice.buyer["name"] == sponsor.organisation.name
    assert invoice.buyer["siren"] == sponsor.organisation.siren
    assert invoice.seller["siren"] == "900000001"


def test_an_order_has_one_invoice(unpaid, sponsor, operator):
    first = issue_invoice(acting=sponsor, order=unpaid)
    assert issue_invoice(acting=operator, order=unpaid) == first
    assert Invoice.objects.filter(order=unpaid).count() == 1


def test_invoice_numbers_follow_each_other(sponsor, operator):
    orders = [make_order(sponsor=sponsor, operator=operator, paid=False) for _ in range(3)]
    numbers = [number_of(issue_invoice(acting=operator, order=order)) for order in orders]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_a_rolled_back_invoice_gives_its_number_back(sponsor, operator):
    first, second = (make_order(sponsor=sponsor, operator=operator, paid=False) for _ in range(2))
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = issue_invoice(acting=operator, order=first)
        raise RuntimeError("the caller's transaction fails after the invoice was written")
    assert not Invoice.objects.filter(order=first).exists()
    kept = issue_invoice(acting=operator, order=second)
    assert kept.number == lost.number


def test_a_cancelled_order_is_not_invoiced(unpaid, sponsor):
    cancel_order(acting=sponsor, order=unpaid, reason="erreur")
    with pytest.raises(NotInvoiceable) as caught:
        issue_invoice(acting=sponsor, order=unpaid)
    assert unpaid.reference in str(caught.value) and "Annulée" in str(caught.value)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("kind", [OrganisationKind.SPONSOR, OrganisationKind.PROVIDER])
def test_nobody_else_invoices_an_order(unpaid, kind):
    with pytest.raises(WrongOrganisationKind):
        issue_invoice(acting=make_acting(kind), order=unpaid)
    assert not Invoice.objects.exists()


def test_the_database_keeps_numbers_unique_per_kind(unpaid, sponsor, operator):
    invoice = issue_invoice(acting=sponsor, order=unpaid)
    other = make_order(sponsor=sponsor, operator=operator, paid=False)
    fields = {
        f.name: getattr(invoice, f.name)
        for f in Invoice._meta.concrete_fields
        if f.name not in {"id", "order"}
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**{**fields, "order": other})


def test_the_database_refuses_inconsistent_amounts(unpaid, sponsor):
    invoice = issue_invoice(acting=sponsor, order=unpaid)
    fields = {f.name: getattr(invoice, f.name) for f in Invoice._meta.concrete_fields}
    del fields["id"]
    fields.update(kind=InvoiceKind.CREDIT_NOTE, number="AV-TEST", corrects=invoice)
    fields["expiry_date"] = datetime.date(2030, 1, 1)
    # a credit note carrying fees and VAT
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**fields)
    # a total that is not the sum of its parts
    fields.update(fee_cents=0, vat_cents=0, total_cents=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**fields)


@pytest.mark.postgres
def test_postgresql_keeps_issued_documents_as_written(unpaid, sponsor):
    invoice = issue_invoice(acting=sponsor, order=unpaid)
    for change in (
        lambda: Invoice.objects.filter(pk=invoice.pk).update(total_cents=1),
        lambda: Invoice.objects.filter(pk=invoice.pk).delete(),
    ):
        with pytest.raises(IntegrityError, match="refused"), transaction.atomic():
            change()
    invoice.refresh_from_db()
    assert invoice.total_cents == 10_480


# Credit notes


def test_credit_note_for_the_unused_passes(sponsor, operator):
    order = expired_order(sponsor, operator, used=3)
    invoice = issue_invoice(acting=operator, order=order)
    note = issue_credit_note(acting=operator, order=order, pass_count=17)
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert re.fullmatch(rf"AV{YEAR}-\d{{6}}", note.number)
    assert note.corrects == invoice
    assert note.expiry_date == order.expires_on
    assert (note.pass_count, note.face_total_cents, note.fee_cents, note.vat_cents) == (
        17,
        17_000,
        0,
        0,
    )
    assert note.total_cents == 17_000
    assert check_ledger() == []


def test_a_credit_note_is_issued_once_per_expiry(sponsor, operator):
    order = expired_order(sponsor, operator)
    issue_invoice(acting=operator, order=order)
    first = issue_credit_note(acting=operator, order=order, pass_count=20)
    assert issue_credit_note(acting=operator, order=order, pass_count=20) == first
    with pytest.raises(CreditNoteRefused) as caught:
        issue_credit_note(acting=operator, order=order, pass_count=19)
    assert first.number in str(caught.value)
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1


def test_a_credit_note_covers_expired_passes_only(sponsor, operator):
    order = expired_order(sponsor, operator, used=3)
    issue_invoice(acting=operator, order=order)
    with pytest.raises(CreditNoteRefused) as caught:
        issue_credit_note(acting=operator, order=order, pass_count=18)
    assert "17 pass expirés" in str(caught.value)
    with pytest.raises(InvalidInput):
        issue_credit_note(acting=operator, order=order, pass_count=0)
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


def test_a_credit_note_corrects_an_invoice(sponsor, operator):
    order = expired_order(sponsor, operator)
    with pytest.raises(CreditNoteRefused, match="pas de facture"):
        issue_credit_note(acting=operator, order=order, pass_count=20)


def test_an_unpaid_order_gets_no_credit_note(unpaid, sponsor, operator):
    issue_invoice(acting=sponsor, order=unpaid)
    with pytest.raises(CreditNoteRefused, match="pas été payée"):
        issue_credit_note(acting=operator, order=unpaid, pass_count=1)


def test_only_the_operator_issues_credit_notes(sponsor, operator):
    order = expired_order(sponsor, operator)
    issue_invoice(acting=operator, order=order)
    with pytest.raises(WrongOrganisationKind):
        issue_credit_note(acting=sponsor, order=order, pass_count=20)


def test_credit_notes_have_their_own_series(sponsor, operator):
    notes = []
    for _ in range(2):
        order = expired_order(sponsor, operator)
        issue_invoice(acting=operator, order=order)
        notes.append(issue_credit_note(acting=operator, order=order, pass_count=20))
    assert [number_of(note) for note in notes] == [number_of(notes[0]), number_of(notes[0]) + 1]
    assert all(note.number.startswith(f"AV{YEAR}-") for note in notes)


# The PDF documents


def test_the_quote(sponsor, operator):
    order = make_order(
        sponsor=sponsor,
        operator=operator,
        paid=False,
        rules=UsageRules(departements=["33"], target_publics=["senior"]),
    )
    text = pdf_text(render_quote(order))
    assert f"Devis n° {order.reference}" in text
    assert "Offre valable jusqu'au" in text
    for amount in ("100,00 €", "4,00 €", "0,80 €", "104,80 €", "10,00 €"):
        assert amount in text, amount
    assert "Frais de gestion amont (4 % de la valeur faciale)" in text
    assert "TVA 20 %" in text
    assert "hors du champ d'application de la TVA" in text
    assert "Gironde (33)" in text and "Senior" in text
    assert sponsor.organisation.name in text


def test_the_invoice_carries_the_legal_mentions(unpaid, sponsor, settings):
    invoice = issue_invoice(acting=sponsor, order=unpaid)
    text = pdf_text(render_invoice(invoice))
    issued = timezone.localdate(invoice.issued_at).strftime("%d/%m/%Y")
    expected = [
        f"Facture n° {invoice.number}",
        f"Date de facturation {issued}",
        f"Date de la vente {issued}",
        "Date d'échéance du paiement " + invoice.due_on.strftime("%d/%m/%Y"),
        settings.PASSNUM_OPERATOR_NAME,
        "SAS au capital de 10 000 €",
        "SIREN 900000001",
        "SIRET 90000000100017",
        "RCS Paris 900 000 001",
        "N° de TVA intracommunautaire FR68900000001",
        "75001 Paris",
        sponsor.organisation.name,
        f"SIREN {sponsor.organisation.siren}",
        unpaid.reference,
        "Pass numériques, valeur faciale (1 carnet de 10 pass)",
        "Prix unitaire HT",
        "Total HT 104,00 €",
        "TVA 20 % (sur les frais de gestion) 0,80 €",
        "Total TTC 104,80 €",
        "Net à payer 104,80 €",
        "hors du champ d'application de la TVA",
        "taux annuel de 12 %",
        "indemnité forfaitaire pour frais de recouvrement de 40,00 €",
        "Pas d'escompte pour paiement anticipé.",
        "IBAN FR76 3000 4000 0000 0000 0000 151",
    ]
    missing = [mention for mention in expected if mention not in text]
    assert not missing, (missing, text)


def test_an_issued_invoice_is_never_rewritten(unpaid, sponsor, settings):
    invoice = issue_invoice(acting=sponsor, order=unpaid)
    before = pdf_text(render_invoice(invoice))
    old_name = sponsor.organisation.name
    sponsor.organisation.name = "Nouveau nom"
    sponsor.organisation.save()
    settings.PASSNUM_OPERATOR_NAME = "Autre opérateur"
    settings.PASSNUM_INVOICE_LATE_PENALTY_BPS = 1500
    invoice.refresh_from_db()
    after = pdf_text(render_invoice(invoice))
    assert old_name in after and "Nouveau nom" not in after
    assert "Autre opérateur" not in after and "taux annuel de 12 %" in after
    assert after == before


def test_the_credit_note(sponsor, operator):
    order = expired_order(sponsor, operator, used=3)
    invoice = issue_invoice(acting=operator, order=order)
    note = issue_credit_note(acting=operator, order=order, pass_count=17)
    text = pdf_text(render_credit_note(note))
    issued = timezone.localdate(invoice.issued_at).strftime("%d/%m/%Y")
    for mention in (
        f"Avoir n° {note.number}",
        f"n° {invoice.number} du {issued}",
        order.reference,
        "acceptés jusqu'au " + order.expires_on.strftime("%d/%m/%Y"),
        "Total de l'avoir 170,00 €",
        "Les frais de gestion ne sont pas remboursés.",
        "SIREN 900000001",
    ):
        assert mention in text, (mention, text)
    assert " 17 " in text


def test_each_document_renders_its_own_kind(sponsor, operator):
    order = expired_order(sponsor, operator)
    invoice = issue_invoice(acting=operator, order=order)
    note = issue_credit_note(acting=operator, order=order, pass_count=20)
    with pytest.raises(ValueError):
        render_invoice(note)
    with pytest.raises(ValueError):
        render_credit_note(invoice)


# Concurrency (PostgreSQL): real threads, each with its own connection


def race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index] = calls[index]()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_invoices_at_once_are_numbered_1_to_20(reference_data):
    operator = make_acting(OrganisationKind.OPERATOR)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    orders = [
        make_order(sponsor=sponsor, operator=operator, paid=False, issued=False) for _ in range(20)
    ]
    outcomes = race(
        [lambda order=order: issue_invoice(acting=operator, order=order) for order in orders]
    )
    assert all(isinstance(outcome, Invoice) for outcome in outcomes), outcomes
    numbers = sorted(number_of(invoice) for invoice in outcomes)  # type: ignore[arg-type]
    assert numbers == list(range(1, 21))
    assert Invoice.objects.count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_order_accepted_many_times_at_once_has_one_invoice(reference_data):
    operator = make_acting(OrganisationKind.OPERATOR)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    order = make_order(sponsor=sponsor, operator=operator, paid=False, issued=False)
    outcomes = race([lambda: issue_invoice(acting=sponsor, order=order) for _ in range(8)])
    assert all(isinstance(outcome, Invoice) for outcome in outcomes), outcomes
    assert {outcome.pk for outcome in outcomes} == {Invoice.objects.get().pk}  # type: ignore[union-attr]
    assert Invoice.objects.get().number == f"F{YEAR}-000001"
