"""Payout pages (issue #9): finance staff's runs (start one, its transfers and carried providers,
SEPA file, statements, ZIP, executing it, rejecting a transfer) and a provider's "Mes paiements"
(pending and paid, its statements, per place and service, CSV export). Isolation: only operator
staff reach the finance pages; a provider sees its own transfers and statements, never another's."""

import csv
import datetime
import io
import os
import zipfile
from html import unescape

import pytest
import sepaxml
import xmlschema
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.core.money import format_euros
from passnum.payouts.enums import CarriedReason, PayoutKind, RunStatus, TransferStatus
from passnum.payouts.models import CarriedProvider, PayoutRun, PayoutTransfer
from passnum.payouts.periods import previous_month
from passnum.payouts.services import run_payouts
from passnum.payouts.statements import statement_csv
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.postings import split_redemption
from tests.factories import (
    PlaceFactory,
    give_bank_details,
    make_acting,
    make_distributor,
    passes_of,
)
from tests.payouts.helpers import redeem_at
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db

PERIOD = previous_month(timezone.localdate())
SCHEMAS = ["pain.001.001.09", "pain.001.001.03"]


def in_period(day: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(PERIOD.start + datetime.timedelta(days=day), datetime.time(11))
    )


def text_of(response) -> str:
    return unescape(response.content.decode()).replace("\u202f", " ").replace("\u00a0", " ")


def euros(cents: int) -> str:
    return format_euros(cents).replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def world(operator, paid_order):
    """Two paid providers and one carried (bank details not validated), each with a place and
    redemptions in the previous month; no run yet."""
    items = passes_of(paid_order)
    providers = {}
    for index, (name, validated) in enumerate(
        [("Médiathèque Éloïse", True), ("EPN Sud", True), ("Tiers-lieu Nord", False)]
    ):
        provider = make_acting(OrganisationKind.PROVIDER)
        provider.organisation.name = name
        provider.organisation.save(update_fields=["name"])
        give_bank_details(provider, validated_by=operator if validated else None, holder=name)
        place = PlaceFactory(organisation=provider.organisation, name=f"Lieu {name}")
        redeem_at(provider, place, items[index * 3 : index * 3 + 2], in_period(2 + index))
        redeem_at(provider, place, items[index * 3 + 2 : index * 3 + 3], in_period(10))
        providers[name] = (provider, place)
    return {"providers": providers, "items": items, "order": paid_order}


@pytest.fixture
def run(world, operator):
    return run_payouts(acting=operator, period_start=PERIOD.start, period_end=PERIOD.end).run


def url(name, *args):
    return reverse(f"payouts:{name}", args=args)


# --- Finance pages ----------------------------------------------------------------------------


def test_finance_starts_a_run_for_a_month_and_running_it_again_pays_nothing(world, operator):
    client = logged_in(operator)
    page = text_of(client.get(url("runs")))
    assert "Aucun paiement pour l'instant." in page and 'id="run-form"' in page

    response = client.post(url("start"), {"period": f"{PERIOD.start:%Y-%m}"}, follow=True)
    run = PayoutRun.objects.get()
    assert response.redirect_chain[-1][0] == url("run", run.pk)
    page = text_of(response)
    net = sum(PayoutTransfer.objects.filter(run=run).values_list("net_cents", flat=True))
    assert f"Paiement {run.reference} préparé : 2 virement(s), {euros(net)} en tout" in page
    assert "1 acteur(s) reporté(s)" in page
    for transfer in PayoutTransfer.objects.filter(run=run):
        assert transfer.end_to_end_id in page and transfer.statement_number in page
        assert euros(transfer.net_cents) in page and transfer.provider.name in page
    assert "Tiers-lieu Nord" in page
    assert str(CarriedReason.NOT_VALIDATED.label) in page
    assert (run.kind, run.period_start, run.period_end) == (
        PayoutKind.MONTHLY,
        PERIOD.start,
        PERIOD.end,
    )

    again = client.post(url("start"), {"period": f"{PERIOD.start:%Y-%m}"}, follow=True)
    assert "rien n'est payé deux fois" in text_of(again)
    assert PayoutRun.objects.count() == 1 and PayoutTransfer.objects.count() == 2

    listing = text_of(client.get(url("runs")))
    assert run.reference in listing and euros(net) in listing
    assert check_ledger() == []


def test_finance_starts_an_on_demand_run_over_a_span(world, operator):
    start, end = (
        PERIOD.start + datetime.timedelta(days=1),
        PERIOD.start + datetime.timedelta(days=5),
    )
    response = logged_in(operator).post(
        url("start"), {"start": start.isoformat(), "end": end.isoformat()}
    )
    run = PayoutRun.objects.get()
    assert response.status_code == 302
    assert (run.kind, run.period_start, run.period_end) == (PayoutKind.ON_DEMAND, start, end)
    # only the redemptions made up to the end of the span: days 2 and 3 of the month, not 10
    assert sorted(PayoutTransfer.objects.values_list("redemption_count", flat=True)) == [1, 1]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Indiquez le mois ou la semaine à payer"),
        ({"period": "2026-13"}, "illisible"),
        ({"period": "2026-11", "start": "2026-11-01", "end": "2026-11-03"}, "pas les deux"),
        ({"start": "2026-11-01"}, "Indiquez le mois ou la semaine à payer"),
        ({"period": f"{timezone.localdate():%Y-%m}"}, "La période doit être terminée"),
    ],
)
def test_a_bad_period_is_refused_on_the_page(world, operator, data, error):
    response = logged_in(operator).post(url("start"), data)
    assert response.status_code == 400
    assert error in text_of(response)
    assert not PayoutRun.objects.exists()


def xsd(schema: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(
        os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{schema}.xsd")
    )


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_sepa_file_downloads_in_either_schema_and_is_valid(run, operator, schema):
    response = logged_in(operator).get(
        url("sepa", run.pk), {"schema": schema, "execution_date": "2026-12-10"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert f"virements-{run.reference}-{schema}.xml" in response["Content-Disposition"]
    content = response.content.decode()
    xsd(schema).validate(content)
    for transfer in PayoutTransfer.objects.filter(run=run):
        assert transfer.end_to_end_id in content
    assert "2026-12-10" in content


def test_an_invalid_sepa_file_is_a_message_not_a_500(run, operator, settings):
    settings.PASSNUM_OPERATOR_IBAN = "FR7630006000011234567890188"  # wrong checksum
    client = logged_in(operator)
    response = client.get(url("sepa", run.pk), {"schema": SCHEMAS[0]}, follow=True)
    assert response.redirect_chain[-1][0] == url("run", run.pk)
    assert "Le fichier de virements SEPA est invalide" in text_of(response)
    unknown = client.get(url("sepa", run.pk), {"schema": "pain.008"}, follow=True)
    assert "Choisissez le format du fichier SEPA" in text_of(unknown)


def test_statements_download_as_csv_pdf_and_a_zip_of_the_csvs(run, operator):
    client = logged_in(operator)
    transfers = list(PayoutTransfer.objects.filter(run=run).order_by("pk"))
    page = text_of(client.get(url("run", run.pk)))
    for transfer in transfers:
        assert url("statement", run.pk, transfer.pk, "csv") in page
        assert url("statement", run.pk, transfer.pk, "pdf") in page
    first = transfers[0]
    response = client.get(url("statement", run.pk, first.pk, "csv"))
    assert response.status_code == 200 and response.content == statement_csv(first)
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert len(rows) == 1 + first.redemption_count + 1  # header, redemptions, total
    pdf = client.get(url("statement", run.pk, first.pk, "pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    assert client.get(url("statement", run.pk, first.pk, "txt")).status_code == 404

    archive = client.get(url("statements_zip", run.pk))
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as found:
        names = sorted(found.namelist())
        assert names == sorted(f"releve-{t.statement_number}.csv" for t in transfers)
        for transfer in transfers:
            assert found.read(f"releve-{transfer.statement_number}.csv") == statement_csv(transfer)


def test_marking_a_run_executed_asks_to_confirm_and_happens_once(run, operator):
    client = logged_in(operator)
    confirm = text_of(client.get(url("execute", run.pk)))
    assert "Confirmer l'exécution" in confirm and "2 virements" in confirm
    future = timezone.localdate() + datetime.timedelta(days=1)
    refused = client.post(url("execute", run.pk), {"executed_on": future.isoformat()})
    assert refused.status_code == 400
    before = client.post(url("execute", run.pk), {"executed_on": "0001-01-01"}, follow=True)
    assert "préparation" in text_of(before)  # not before the run was prepared
    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED

    day = timezone.localdate().isoformat()
    done = client.post(url("execute", run.pk), {"executed_on": day}, follow=True)
    assert "exécuté : ses virements sont envoyés" in text_of(done)
    run.refresh_from_db()
    assert run.status == RunStatus.EXECUTED and run.executed_on.isoformat() == day
    assert set(PayoutTransfer.objects.filter(run=run).values_list("status", flat=True)) == {
        TransferStatus.EXECUTED
    }
    assert 'id="execute-link"' not in text_of(done)
    twice = client.post(url("execute", run.pk), {"executed_on": day}, follow=True)
    assert twice.redirect_chain and twice.status_code == 200
    assert "fr-alert--error" in twice.content.decode()


def test_rejecting_a_transfer_needs_a_reason_and_reverses_it(run, operator):
    client = logged_in(operator)
    transfer = PayoutTransfer.objects.filter(run=run).order_by("pk").first()
    form = text_of(client.get(url("reject", run.pk, transfer.pk)))
    assert transfer.end_to_end_id in form and euros(transfer.net_cents) in form
    empty = client.post(url("reject", run.pk, transfer.pk), {"reason": "   "})
    assert empty.status_code == 400 and 'id="id_reason_error"' in text_of(empty)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING

    done = client.post(url("reject", run.pk, transfer.pk), {"reason": "Compte clos (AC04)"})
    assert done.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REJECTED and transfer.reversal_transaction_id
    page = text_of(client.get(url("run", run.pk)))
    assert "Compte clos (AC04)" in page
    assert url("reject", run.pk, transfer.pk) not in page
    assert check_ledger() == []
    again = client.post(url("reject", run.pk, transfer.pk), {"reason": "encore"}, follow=True)
    assert "fr-alert--error" in again.content.decode()


def test_a_transfer_is_reached_only_through_its_own_run(run, operator, world):
    other = PayoutRun.objects.create(
        number=99,
        kind=PayoutKind.ON_DEMAND,
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 1, 2),
        cutoff=timezone.now(),
        created_by=operator.user,
    )
    transfer = PayoutTransfer.objects.filter(run=run).first()
    client = logged_in(operator)
    for path in (
        url("statement", other.pk, transfer.pk, "csv"),
        url("reject", other.pk, transfer.pk),
    ):
        assert client.get(path).status_code == 404
    assert client.get(url("run", 999_999)).status_code == 404


# --- Provider pages ----------------------------------------------------------------------------


def test_a_provider_sees_its_pending_and_paid_amounts_and_statements(run, world, operator):
    provider, place = world["providers"]["Médiathèque Éloïse"]
    # one more scan after the run: pending
    item = world["items"][12]
    redeem_at(provider, place, [item], timezone.now())
    mine = PayoutTransfer.objects.get(run=run, provider=provider.organisation)
    pending = split_redemption(face_cents=item.order.face_value_cents, order=item.order)

    client = logged_in(provider)
    assert reverse("payouts:mine") in text_of(client.get("/"))
    page = text_of(client.get(url("mine")))
    assert "1 utilisation (1 pass, 10,00 € de valeur faciale)" in page
    assert f"{euros(pending.provider_cents)} net vous seront versés" in page
    assert f"2 utilisations (3 pass, {euros(mine.gross_cents)}" in page
    assert f"{euros(mine.net_cents)} net versés" in page
    assert mine.statement_number in page
    assert url("my_statement", mine.pk, "pdf") in page
    assert "Lieu Médiathèque Éloïse" in page and 'class="passnum-chart"' in page
    for other in PayoutTransfer.objects.exclude(provider=provider.organisation):
        assert other.statement_number not in page
    assert "EPN Sud" not in page

    statement = client.get(url("my_statement", mine.pk, "csv"))
    assert statement.status_code == 200 and statement.content == statement_csv(mine)
    pdf = client.get(url("my_statement", mine.pk, "pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    export = client.get(url("mine_export", "lieux", "csv"))
    lines = b"".join(export.streaming_content).decode().lstrip("\ufeff").splitlines()
    header, row = lines[0].split(";"), lines[1].split(";")
    assert header[0] == "Lieu" and row[0] == "Lieu Médiathèque Éloïse"
    assert row[1:] == [
        "3",
        "4",
        "40,00",
        euros(pending.provider_cents).removesuffix(" €"),
        euros(mine.net_cents).removesuffix(" €"),
    ]
    assert client.get(url("mine_export", "virements", "xlsx")).status_code == 200
    assert client.get(url("mine_export", "nothing", "csv")).status_code == 404
    assert client.get(url("mine_export", "lieux", "pdf")).status_code == 404


def test_a_provider_never_gets_another_providers_statement(run, world):
    provider, _place = world["providers"]["Médiathèque Éloïse"]
    theirs = PayoutTransfer.objects.exclude(provider=provider.organisation).first()
    client = logged_in(provider)
    for fmt in ("csv", "pdf"):
        assert client.get(url("my_statement", theirs.pk, fmt)).status_code == 404
    # nor through the finance URLs
    assert client.get(url("statement", run.pk, theirs.pk, "csv")).status_code == 403


def test_a_provider_with_nothing_yet_sees_an_empty_page(provider):
    page = text_of(logged_in(provider).get(url("mine")))
    assert "0 utilisations" in page and "Aucun virement pour l'instant." in page


def test_only_operator_staff_reach_the_finance_pages(run, world, sponsor):
    transfer = PayoutTransfer.objects.filter(run=run).first()
    provider, _place = world["providers"]["Médiathèque Éloïse"]
    distributor = make_distributor(sponsor)
    gets = [
        url("runs"),
        url("run", run.pk),
        url("execute", run.pk),
        url("sepa", run.pk) + "?schema=pain.001.001.09",
        url("statements_zip", run.pk),
        url("statement", run.pk, transfer.pk, "csv"),
        url("statement", run.pk, transfer.pk, "pdf"),
        url("reject", run.pk, transfer.pk),
    ]
    posts = [
        (url("start"), {"period": f"{PERIOD.start:%Y-%m}"}),
        (url("execute", run.pk), {"executed_on": timezone.localdate().isoformat()}),
        (url("reject", run.pk, transfer.pk), {"reason": "pirate"}),
    ]
    for who in (sponsor, distributor, provider):
        client = logged_in(who)
        for path in gets:
            assert client.get(path).status_code == 403, (who.kind, path)
        for path, data in posts:
            assert client.post(path, data).status_code == 403, (who.kind, path)
    anonymous = Client()
    for path in gets:
        response = anonymous.get(path)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    run.refresh_from_db()
    transfer.refresh_from_db()
    assert run.status == RunStatus.PREPARED and transfer.status == TransferStatus.PENDING
    assert PayoutRun.objects.count() == 1


def test_only_providers_reach_my_payments(operator, sponsor):
    for who in (operator, sponsor):
        client = logged_in(who)
        assert client.get(url("mine")).status_code == 403
        assert client.get(url("mine_export", "lieux", "csv")).status_code == 403
        assert client.get(url("my_statement", 1, "csv")).status_code == 403


def test_the_run_page_lists_carried_providers_with_the_reason(run):
    carried = CarriedProvider.objects.get(run=run)
    assert carried.reason == CarriedReason.NOT_VALIDATED
    operator = make_acting(OrganisationKind.OPERATOR)
    page = text_of(logged_in(operator).get(url("run", run.pk)))
    assert carried.provider.name in page and euros(carried.net_cents) in page


def test_the_runs_are_listed_newest_first_fifty_a_page(operator):
    first = datetime.date(2025, 1, 1)
    for day in range(51):
        start = first + datetime.timedelta(days=day)
        run_payouts(
            acting=operator, period_start=start, period_end=start, kind=PayoutKind.ON_DEMAND
        )
    client = logged_in(operator)
    page_one = text_of(client.get(url("runs")))
    newest = PayoutRun.objects.get(period_start=first + datetime.timedelta(days=50))
    oldest = PayoutRun.objects.get(period_start=first)
    assert f">{newest.reference}<" in page_one and "1 sur 2" in page_one
    assert 'aria-label="Pages des paiements"' in page_one
    assert f">{oldest.reference}<" not in page_one
    assert f">{oldest.reference}<" in text_of(client.get(url("runs"), {"page": 2}))
