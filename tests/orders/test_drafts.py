"""Drafts, the acceptance of a quote, the print content and proof of an order (services)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from PIL import Image

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import InvalidTransition
from passnum.jobs.enums import JobStatus
from passnum.jobs.models import Job
from passnum.ledger.models import Account
from passnum.ledger.services import escrow_code
from passnum.orders.drafts import accept_quote, delete_draft, place_order, update_draft
from passnum.orders.enums import InvoiceKind, OrderStatus
from passnum.orders.exceptions import (
    InvalidOrder,
    NotADraft,
    PaymentsReceived,
    ProofAlreadyApproved,
    ProofNotApproved,
    ProofNotReady,
)
from passnum.orders.models import Invoice, Order, OrderTransition
from passnum.orders.proofs import (
    approve_proof,
    record_proof,
    request_print,
    request_proof,
    update_print_content,
)
from passnum.orders.services import UsageRules, cancel_order, record_payment
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.reconciliation.checks import check_ledger
from tests.factories import make_acting, make_draft, passes_of

pytestmark = pytest.mark.django_db


def png(width: int = 40, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 0, 145)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def draft_fields(**changes):
    fields = {
        "quantity": 20,
        "booklet_size": 10,
        "face_value_cents": 1000,
        "valid_until": None,
        "rules": UsageRules(departements=["33"]),
        "label": "Médiathèques",
        "print_text": "Offert par la ville.",
        "tolerance_days": 31,
    }
    return fields | changes


# Drafts


def test_a_draft_has_no_invoice_no_passes_no_escrow(sponsor):
    draft = make_draft(sponsor=sponsor, quantity=30)
    assert draft.status == OrderStatus.DRAFT and draft.is_draft
    assert draft.total_due_cents == 30 * 1000 + 1200 + 240
    assert not Invoice.objects.filter(order=draft).exists()
    assert not Pass.objects.filter(order=draft).exists()
    assert not Account.objects.filter(code=escrow_code(draft.pk)).exists()
    assert not OrderTransition.objects.filter(order=draft).exists()
    assert check_ledger() == []


def test_a_draft_is_changed_and_its_quote_recomputed(sponsor):
    draft = make_draft(sponsor=sponsor)
    changed = update_draft(
        acting=sponsor,
        order=draft,
        **draft_fields(quantity=2000, booklet_size=5, tolerance_days=0, face_value_cents=500),
    )
    changed.refresh_from_db()
    assert (changed.quantity, changed.booklet_size, changed.tolerance_days) == (2000, 5, 0)
    assert changed.face_total_cents == 2000 * 500
    assert changed.upstream_fee_cents == 40_000 and changed.upstream_vat_cents == 8_000
    assert changed.total_due_cents == 1_000_000 + 40_000 + 8_000
    assert changed.perimeter_departements == ["33"]
    assert changed.print_text == "Offert par la ville." and changed.label == "Médiathèques"
    assert changed.expires_on == changed.valid_until


def test_a_refused_change_writes_nothing_and_names_every_field(sponsor):
    draft = make_draft(sponsor=sponsor, quantity=10, label="Avant")
    with pytest.raises(InvalidOrder) as caught:
        update_draft(
            acting=sponsor,
            order=draft,
            **draft_fields(
                quantity=100,
                booklet_size=5,
                tolerance_days=93,
                label="x" * 201,
                print_text="é" * 601,
                rules=UsageRules(communes=["99999"], epcis=["999999999"], regions=["99"]),
            ),
            logo=b"GIF89a not a png",
        )
    fields = {detail["field"] for detail in caught.value.details}
    assert fields == {
        "booklet_size",
        "tolerance_days",
        "label",
        "print_text",
        "logo",
        "communes",
        "epcis",
        "regions",
    }
    messages = " ".join(detail["message"] for detail in caught.value.details)
    assert "au moins 2000 pass" in messages
    assert "Code de commune inconnu : 99999" in messages
    assert "PNG ou JPEG" in messages
    draft.refresh_from_db()
    assert (draft.quantity, draft.label, draft.tolerance_days) == (10, "Avant", 31)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"booklet_size": 5, "quantity": 1990}, "booklet_size", "au moins 2000 pass"),
        ({"tolerance_days": -1}, "tolerance_days", "de 0 à 92 jours"),
        ({"tolerance_days": 93}, "tolerance_days", "de 0 à 92 jours"),
        ({"label": "Ville\x00"}, "label", "caractère de contrôle"),
        ({"print_text": "Ligne 1\nLigne\x002"}, "print_text", "caractère de contrôle"),
        ({"rules": UsageRules(departements=["2C"])}, "departements", "invalide"),
        ({"rules": UsageRules(communes=["75000"])}, "communes", "inconnu : 75000"),
    ],
)
def test_each_refusal_names_its_field(sponsor, changes, field, message):
    with pytest.raises(InvalidOrder) as caught:
        make_draft(sponsor=sponsor, **(draft_fields(**changes) | {"valid_until": None}))
    assert caught.value.field == field
    assert message in str(caught.value)
    assert not Order.objects.exists()


def test_the_print_text_keeps_its_line_breaks(sponsor):
    draft = make_draft(sponsor=sponsor, print_text="Ligne 1\nLigne 2\tfin")
    assert draft.print_text == "Ligne 1\nLigne 2\tfin"


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        (b"", "vide"),
        (b"%PDF-1.7 not an image", "PNG ou JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "pas une image lisible"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "1 Mo"),
    ],
)
def test_a_logo_is_a_readable_png_or_jpeg_of_1_mb_at_most(sponsor, media, logo, message):
    with pytest.raises(InvalidOrder) as caught:
        make_draft(sponsor=sponsor, logo=logo)
    assert caught.value.field == "logo" and message in str(caught.value)
    assert not list(media.glob("logos/*"))


def test_a_logo_is_stored_under_media_logos_and_replaced(
    sponsor, media, django_capture_on_commit_callbacks
):
    draft = make_draft(sponsor=sponsor, logo=png())
    first = Path(media / draft.logo.name)
    assert draft.logo.name.startswith("logos/") and draft.logo.name.endswith(".png")
    assert first.read_bytes() == png()
    with django_capture_on_commit_callbacks(execute=True):
        changed = update_draft(acting=sponsor, order=draft, **draft_fields(), logo=png(60, 30))
    assert changed.logo.name != draft.logo.name and (media / changed.logo.name).exists()
    assert not first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        removed = update_draft(acting=sponsor, order=changed, **draft_fields(), remove_logo=True)
    assert not removed.logo and not list(media.glob("logos/*"))


def test_a_draft_is_deleted_with_its_logo(sponsor, media, django_capture_on_commit_callbacks):
    draft = make_draft(sponsor=sponsor, logo=png())
    with django_capture_on_commit_callbacks(execute=True):
        delete_draft(acting=sponsor, order=draft)
    assert not Order.objects.filter(pk=draft.pk).exists()
    assert not list(media.glob("logos/*"))


def test_only_a_draft_is_changed_or_deleted(sponsor):
    order = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor))
    with pytest.raises(NotADraft) as caught:
        update_draft(acting=sponsor, order=order, **draft_fields())
    assert order.reference in str(caught.value)
    with pytest.raises(NotADraft):
        delete_draft(acting=sponsor, order=order)
    assert Order.objects.get(pk=order.pk).quantity == 10


@pytest.mark.parametrize("kind", [OrganisationKind.SPONSOR, OrganisationKind.PROVIDER])
def test_nobody_else_touches_a_draft(sponsor, kind):
    draft = make_draft(sponsor=sponsor)
    other = make_acting(kind)
    for attempt in (
        lambda: update_draft(acting=other, order=draft, **draft_fields()),
        lambda: delete_draft(acting=other, order=draft),
        lambda: accept_quote(acting=other, order=draft),
    ):
        with pytest.raises(WrongOrganisationKind):
            attempt()
    draft.refresh_from_db()
    assert draft.status == OrderStatus.DRAFT and draft.quantity == 10


# Acceptance


def test_accepting_the_quote_issues_the_invoice_and_inactive_passes(sponsor):
    draft = make_draft(sponsor=sponsor, quantity=20)
    order = accept_quote(acting=sponsor, order=draft)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    transition = OrderTransition.objects.get(order=order)
    assert (transition.from_status, transition.to_status, transition.actor) == (
        OrderStatus.DRAFT,
        OrderStatus.AWAITING_PAYMENT,
        sponsor.user,
    )
    invoice = Invoice.objects.get(order=order, kind=InvoiceKind.INVOICE)
    assert invoice.total_cents == order.total_due_cents and invoice.issued_by == sponsor.user
    assert order.issued_at is not None
    assert [p.status for p in passes_of(order)] == [PassStatus.INACTIVE] * 20
    assert Account.objects.filter(code=escrow_code(order.pk)).exists()
    assert check_ledger() == []
    with pytest.raises(InvalidTransition):
        accept_quote(acting=sponsor, order=order)
    assert Invoice.objects.filter(order=order).count() == 1


def test_a_large_order_is_issued_by_a_background_job(
    sponsor, settings, django_capture_on_commit_callbacks
):
    settings.PASSNUM_ISSUE_INLINE_MAX_PASSES = 10
    with django_capture_on_commit_callbacks(execute=True):
        order = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor, quantity=30))
    assert order.issued_at is None and not Pass.objects.filter(order=order).exists()
    job = Job.objects.get(kind="issue_order_passes")
    assert job.params == {"order_id": order.pk} and job.organisation == sponsor.organisation
    call_command("worker", "--once")
    job.refresh_from_db()
    order.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert order.issued_at is not None
    assert Pass.objects.filter(order=order, status=PassStatus.INACTIVE).count() == 30
    assert check_ledger() == []


def test_place_order_accepts_at_once_unless_a_draft(sponsor):
    draft = place_order(acting=sponsor, draft=True, quantity=10)
    assert draft.status == OrderStatus.DRAFT and not draft.invoices.exists()
    accepted = place_order(acting=sponsor, draft=False, quantity=10)
    assert accepted.status == OrderStatus.AWAITING_PAYMENT
    assert accepted.invoices.count() == 1 and accepted.issued_at is not None


def test_partial_payments_then_the_passes_activate(sponsor, operator):
    order = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor))
    record_payment(acting=operator, order=order, amount_cents=5_000, reference="VIR-1")
    assert {p.status for p in passes_of(order)} == {PassStatus.INACTIVE}
    paid = record_payment(acting=operator, order=order, amount_cents=5_480, reference="VIR-2")
    assert paid.status == OrderStatus.PAID
    assert {p.status for p in passes_of(order)} == {PassStatus.ACTIVE}
    assert check_ledger() == []


def test_an_order_with_payments_received_cannot_be_cancelled(sponsor, operator):
    order = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor))
    record_payment(acting=operator, order=order, amount_cents=1_234, reference="VIR-1")
    for acting in (sponsor, operator):
        with pytest.raises(PaymentsReceived) as caught:
            cancel_order(acting=acting, order=order, reason="erreur")
        assert "12,34" in str(caught.value) and order.reference in str(caught.value)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert {p.status for p in passes_of(order)} == {PassStatus.INACTIVE}


def test_a_draft_is_not_cancelled_paid_nor_issued_but_deleted(sponsor, operator):
    from passnum.passes.services import issue_passes

    draft = make_draft(sponsor=sponsor)
    with pytest.raises(InvalidTransition):
        cancel_order(acting=sponsor, order=draft, reason="x")
    with pytest.raises(InvalidTransition):
        record_payment(acting=operator, order=draft, amount_cents=100)
    with pytest.raises(InvalidOrder):
        issue_passes(acting=operator, order=draft)
    assert not Pass.objects.filter(order=draft).exists()


@pytest.mark.postgres
def test_postgresql_deletes_drafts_only(sponsor):
    draft = make_draft(sponsor=sponsor)
    accepted = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor))
    table = Order._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [accepted.pk])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET status = 'draft' WHERE id = %s", [accepted.pk])  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [draft.pk])  # noqa: S608
    assert not Order.objects.filter(pk=draft.pk).exists()
    assert Order.objects.get(pk=accepted.pk).status == OrderStatus.AWAITING_PAYMENT


# Print content and proof


def test_proof_then_approval_then_print(sponsor, operator, django_capture_on_commit_callbacks):
    order = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor))
    with pytest.raises(ProofNotReady):
        approve_proof(acting=sponsor, order=order)
    with pytest.raises(ProofNotApproved):
        request_print(acting=sponsor, order=order)
    with django_capture_on_commit_callbacks(execute=True):
        job = request_proof(acting=sponsor, order=order)
    call_command("worker", "--once")
    job.refresh_from_db()
    order.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert order.proof_generated_at is not None
    with pytest.raises(WrongOrganisationKind):
        approve_proof(acting=operator, order=order)
    with pytest.raises(WrongOrganisationKind):
        approve_proof(acting=make_acting(OrganisationKind.SPONSOR), order=order)
    approved = approve_proof(acting=sponsor, order=order)
    assert approved.proof_approved_by == sponsor.user and approved.proof_approved_at
    with pytest.raises(ProofAlreadyApproved):
        update_print_content(acting=sponsor, order=order, print_text="Autre")
    with pytest.raises(ProofAlreadyApproved):
        request_proof(acting=sponsor, order=order)
    assert request_print(acting=sponsor, order=order).kind == "print_booklets"


def test_changing_the_print_content_voids_the_proof(sponsor):
    order = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor, print_text="Un"))
    assert record_proof(order=order, print_text="Un", logo_name="")
    changed = update_print_content(acting=sponsor, order=order, print_text="Deux", logo=png())
    assert changed.proof_generated_at is None and changed.logo.name.startswith("logos/")
    with pytest.raises(ProofNotReady):
        approve_proof(acting=sponsor, order=order)
    # a proof rendered from the old content (a job that ran meanwhile) does not count
    assert not record_proof(order=order, print_text="Un", logo_name="")
    assert record_proof(order=order, print_text="Deux", logo_name=changed.logo.name)
    assert approve_proof(acting=sponsor, order=order).proof_approved_at is not None


def test_a_draft_or_cancelled_order_has_no_proof(sponsor):
    draft = make_draft(sponsor=sponsor)
    with pytest.raises(InvalidTransition):
        request_proof(acting=sponsor, order=draft)
    order = accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor))
    cancel_order(acting=sponsor, order=order, reason="erreur")
    with pytest.raises(InvalidTransition):
        request_proof(acting=sponsor, order=order)
    assert not record_proof(order=order, print_text="", logo_name="")
