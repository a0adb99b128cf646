"""The run's SEPA file (both schemas, checked against the XSD sepaxml ships) and the providers'
statements (CSV, and PDF read back with pypdfium2)."""

import csv
import datetime
import io
import os
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pypdfium2
import pytest
import sepaxml
import xmlschema

from passnum.accounts.enums import OrganisationKind
from passnum.payouts.exceptions import InvalidSepaFile
from passnum.payouts.models import PayoutTransfer
from passnum.payouts.sepa import build_sepa_file, validate_sepa_xml
from passnum.payouts.services import reject_transfer, run_payouts
from passnum.payouts.statements import (
    render_statement_pdf,
    statement_csv,
    write_run_csv_statements,
)
from tests.factories import PlaceFactory, a_service, give_bank_details, make_acting, passes_of
from tests.payouts.helpers import at, now_after, redeem_at

NOV_1, NOV_30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
SCHEMAS = ["pain.001.001.09", "pain.001.001.03"]


@pytest.fixture
def two_paid(operator, paid_order):
    """Two providers (one with an accented name and a BIC) paid in November's run."""
    items = passes_of(paid_order)
    providers = []
    for index, (name, bic) in enumerate([("Médiathèque Éloïse", "AGRIFRPP"), ("EPN Sud", "")]):
        provider = make_acting(OrganisationKind.PROVIDER)
        provider.organisation.name = name
        provider.organisation.save(update_fields=["name"])
        give_bank_details(provider, validated_by=operator, bic=bic, holder=name)
        place = PlaceFactory(organisation=provider.organisation, name=f"Lieu {name}")
        redeem_at(provider, place, items[index * 3 : index * 3 + 2], at(2026, 11, 4 + index))
        redeem_at(provider, place, items[index * 3 + 2 : index * 3 + 3], at(2026, 11, 20))
        providers.append(provider)
    run = run_payouts(
        acting=operator, period_start=NOV_1, period_end=NOV_30, now=now_after(NOV_30)
    ).run
    return run, providers


def xsd(schema: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(
        os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{schema}.xsd")
    )


@pytest.mark.parametrize("schema", SCHEMAS)
def test_sepa_file_is_valid_with_unique_end_to_end_ids(two_paid, schema):
    run, _providers = two_paid
    content = build_sepa_file(run=run, schema=schema, execution_date=datetime.date(2026, 12, 7))
    xsd(schema).validate(content.decode())  # raises if invalid
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{schema}"}
    root = ET.fromstring(content)  # noqa: S314 (our own file)
    ids = [e.text for e in root.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", ns)]
    transfers = PayoutTransfer.objects.filter(run=run).order_by("pk")
    assert ids == [t.end_to_end_id for t in transfers] and len(set(ids)) == 2
    amounts = [e.text for e in root.iterfind(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", ns)]
    assert amounts == [f"{t.net_cents // 100}.{t.net_cents % 100:02d}" for t in transfers]
    total = sum(t.net_cents for t in transfers)
    assert root.find(".//p:GrpHdr/p:CtrlSum", ns).text == f"{total // 100}.{total % 100:02d}"
    assert root.find(".//p:GrpHdr/p:MsgId", ns).text == f"PASSNUM-{run.reference}"
    names = [e.text for e in root.iterfind(".//p:CdtTrfTxInf/p:Cdtr/p:Nm", ns)]
    assert names == ["Mediatheque Eloise", "EPN Sud"]  # transliterated for SEPA
    remittance = [e.text for e in root.iterfind(".//p:RmtInf/p:Ustrd", ns)]
    assert remittance[0] == (
        f"passnum releve {transfers[0].statement_number} periode du 01/11/2026 au 30/11/2026"
    )
    debtor_iban = root.find(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", ns).text
    assert debtor_iban == "FR7630004000000000000000151"
    bic_tag = "BICFI" if schema.endswith("09") else "BIC"
    bics = root.iterfind(f".//p:CdtTrfTxInf/p:CdtrAgt/p:FinInstnId/p:{bic_tag}", ns)
    assert [e.text for e in bics] == ["AGRIFRPP", "AGRIFRPPXXX"]  # the second from its IBAN


def test_sepa_file_refuses_an_iban_failing_its_checksum(two_paid, settings):
    run, _providers = two_paid
    settings.PASSNUM_OPERATOR_IBAN = "FR7630004000000000000000152"  # wrong key
    with pytest.raises(InvalidSepaFile):
        build_sepa_file(run=run)


def test_a_rejected_transfer_leaves_the_file(two_paid, operator):
    run, _providers = two_paid
    first = PayoutTransfer.objects.filter(run=run).order_by("pk").first()
    reject_transfer(acting=operator, transfer=first, reason="IBAN clos")
    content = build_sepa_file(run=run)
    assert first.end_to_end_id.encode() not in content
    assert b"<NbOfTxs>1</NbOfTxs>" in content


def test_statement_csv_lists_every_redemption_to_the_cent(two_paid):
    run, providers = two_paid
    transfer = PayoutTransfer.objects.get(run=run, provider=providers[0].organisation)
    rows = list(csv.reader(io.StringIO(statement_csv(transfer).decode()), delimiter=";"))
    assert rows[0] == [
        "Date", "Lieu", "Code service", "Service", "Pass",
        "Valeur faciale (€)", "Frais HT (€)", "TVA (€)", "Net (€)",
    ]  # fmt: skip
    assert [row[0][:10] for row in rows[1:-1]] == ["04/11/2026", "20/11/2026"]
    assert [row[1] for row in rows[1:-1]] == ["Lieu Médiathèque Éloïse"] * 2
    # 2 passes of 10 €: fee 0,80, VAT 0,16, net 19,04; then 1 pass: 0,40, 0,08, 9,52
    assert [row[4:] for row in rows[1:-1]] == [
        ["2", "20,00", "0,80", "0,16", "19,04"],
        ["1", "10,00", "0,40", "0,08", "9,52"],
    ]
    assert rows[-1] == ["Total", "", "", "", "3", "30,00", "1,20", "0,24", "28,56"]
    assert transfer.net_cents == 2856


def test_statement_pdf_names_both_parties_and_every_redemption(two_paid):
    run, providers = two_paid
    transfer = PayoutTransfer.objects.get(run=run, provider=providers[0].organisation)
    pdf = pypdfium2.PdfDocument(render_statement_pdf(transfer))
    text = "\n".join(page.get_textpage().get_text_range() for page in pdf)
    assert f"Relevé de paiement n° {transfer.statement_number}" in text
    assert "Opérateur passnum (démonstration)" in text
    assert "Médiathèque Éloïse" in text
    assert "du 01/11/2026 au 30/11/2026" in text
    assert "04/11/2026" in text and "20/11/2026" in text
    assert "28,56" in text and "19,04" in text
    assert "FR76 •••• 0189" in text
    assert "EPN Sud" not in text


def test_run_csv_statements_streamed_in_one_query_equal_each_statement(
    two_paid, django_assert_max_num_queries
):
    run, _providers = two_paid
    written: dict[str, io.StringIO] = {}

    @contextmanager
    def open_output(transfer):
        written[transfer.statement_number] = buffer = io.StringIO()
        yield buffer

    # PostgreSQL: transfers, a savepoint, the transaction's settings, the statements, its release
    with django_assert_max_num_queries(5):
        assert write_run_csv_statements(run, open_output) == 2
    for transfer in PayoutTransfer.objects.filter(run=run):
        assert written[transfer.statement_number].getvalue().encode() == statement_csv(transfer)


def _run_csv_statements(run, **options) -> dict[str, bytes]:
    written: dict[str, io.StringIO] = {}

    @contextmanager
    def open_output(transfer):
        written[transfer.statement_number] = buffer = io.StringIO()
        yield buffer

    write_run_csv_statements(run, open_output, **options)
    return {number: buffer.getvalue().encode() for number, buffer in written.items()}


def test_run_csv_statements_written_by_the_database_equal_the_portable_ones(operator, paid_order):
    """On PostgreSQL the database formats the lines: dates in Paris time, decimal commas and the
    quoting of Python's csv module (a `;`, a quote or a line break in a name) must come out the
    same, byte for byte. (On SQLite both sides take the portable path.)"""
    service = a_service()
    service.name = 'Atelier "pixels"; niveau 1'
    service.save(update_fields=["name"])
    items = passes_of(paid_order)
    provider = make_acting(OrganisationKind.PROVIDER)
    give_bank_details(provider, validated_by=operator)
    place = PlaceFactory(organisation=provider.organisation, name="Tiers-lieu\nLe « Hub »; 2e")
    other = PlaceFactory(organisation=provider.organisation, name="Médiathèque")
    redeem_at(provider, place, items[:2], at(2026, 11, 4, hour=0))  # 3 Nov 23:00 UTC
    redeem_at(provider, other, items[2:3], at(2026, 11, 4, hour=0))
    redeem_at(provider, place, items[3:4], at(2026, 11, 30, hour=23))
    second = make_acting(OrganisationKind.PROVIDER)
    give_bank_details(second, validated_by=operator)
    redeem_at(second, PlaceFactory(organisation=second.organisation), items[4:5], at(2026, 11, 9))
    run = run_payouts(
        acting=operator, period_start=NOV_1, period_end=NOV_30, now=now_after(NOV_30)
    ).run

    written = _run_csv_statements(run)
    assert written == _run_csv_statements(run, portable=True)
    transfer = PayoutTransfer.objects.get(run=run, provider=provider.organisation)
    assert written[transfer.statement_number] == statement_csv(transfer)
    rows = list(csv.reader(io.StringIO(written[transfer.statement_number].decode()), delimiter=";"))
    assert [row[:4] for row in rows[1:-1]] == [
        ["04/11/2026 00:00", "Tiers-lieu\nLe « Hub »; 2e", service.code, service.name],
        ["04/11/2026 00:00", "Médiathèque", service.code, service.name],
        ["30/11/2026 23:00", "Tiers-lieu\nLe « Hub »; 2e", service.code, service.name],
    ]
    assert b'"Atelier ""pixels""; niveau 1"' in written[transfer.statement_number]
    assert len(written) == 2


def test_sepa_validation_refuses_a_file_outside_the_xsd(two_paid):
    run, _providers = two_paid
    content = build_sepa_file(run=run, schema="pain.001.001.09")
    validate_sepa_xml(content, "pain.001.001.09")  # as built: valid
    transfer = PayoutTransfer.objects.filter(run=run).order_by("pk").first()
    e2e = transfer.end_to_end_id.encode()
    broken = content.replace(b">" + e2e + b"<", b">" + e2e.ljust(36, b"X") + b"<", 1)
    assert broken != content  # an end-to-end id longer than the 35 characters allowed
    with pytest.raises(InvalidSepaFile) as caught:
        validate_sepa_xml(broken, "pain.001.001.09")
    assert "EndToEndId" in str(caught.value)
    with pytest.raises(InvalidSepaFile):  # not even well formed
        validate_sepa_xml(content[:-20], "pain.001.001.09")
    with pytest.raises(InvalidSepaFile):  # a .09 file is not a .03 one
        validate_sepa_xml(content, "pain.001.001.03")
