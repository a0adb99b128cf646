"""Printed booklets: the PDF is read back as a person and a scanner would — rendered to images by
PDFium, every barcode decoded by zxing-cpp — and its file structure is checked byte by byte."""

import datetime
import io
import itertools
import re

import pypdfium2
import pytest
import zxingcpp
from django.core.management import CommandError, call_command
from PIL import Image

from passnum.catalogue.models import ServiceFamily
from passnum.core.exceptions import InvalidInput
from passnum.orders.services import UsageRules
from passnum.passes import codes as pass_codes
from passnum.passes.models import PassReplacement
from passnum.passes.offline import verify_fragment
from passnum.passes.printing import render_booklets, rules_in_words
from passnum.passes.printing.exceptions import InvalidLogo, NothingToPrint
from passnum.passes.printing.pdfstream import StreamingCanvas
from tests.factories import make_order, passes_of

pytestmark = pytest.mark.django_db

SITE = "https://pass.example.fr"
PROOF_MARK = "ÉPREUVE — BON À TIRER"


def render(order, **kwargs) -> bytes:
    output = io.BytesIO()
    render_booklets(order=order, output=output, site_url=SITE, **kwargs)
    return output.getvalue()


def page_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def decoded(pdf: bytes, pages: list[int] | None = None) -> tuple[list[str], list[str]]:
    """(Code 128 texts, QR texts) of the given pages (all by default), rendered at 216 dpi."""
    document = pypdfium2.PdfDocument(pdf)
    linear, qr = [], []
    try:
        for number in pages if pages is not None else range(len(document)):
            image = document[number].render(scale=3, grayscale=True).to_pil()
            for result in zxingcpp.read_barcodes(image):
                if result.format == zxingcpp.BarcodeFormat.Code128:
                    linear.append(result.text)
                elif result.format == zxingcpp.BarcodeFormat.QRCode:
                    qr.append(result.text)
    finally:
        document.close()
    return linear, qr


def png_logo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (0, 0, 145)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def order(sponsor, operator):
    """Two booklets of 10 passes."""
    return make_order(sponsor=sponsor, operator=operator, quantity=20)


def test_every_barcode_decodes_to_the_order_passes(order):
    pdf = render(order, sponsor_text="Offert par votre Département.")
    passes = passes_of(order)
    codes = {item.code for item in passes}
    # Per booklet: a cover, then two pages of five passes.
    pass_pages = [1, 2, 4, 5]
    assert len(page_texts(pdf)) == 6

    linear, qr = decoded(pdf, pass_pages)

    assert len(linear) == len(qr) == 20
    assert set(linear) == codes
    # The QR opens the pass page; after `#`, its value and last day signed by the instance.
    urls = dict(text.split("#") for text in qr)
    assert set(urls) == {f"{SITE}/p/{code}" for code in codes}
    for url, fragment in urls.items():
        signed = verify_fragment(code=url.rsplit("/", 1)[1], fragment=fragment)
        assert signed is not None
        assert (signed.face_value_cents, signed.last_day) == (1000, order.expires_on)
    # Each pass shows its code in clear, in groups, and its serial; in serial order.
    texts = page_texts(pdf)
    shown = [m for page in pass_pages for m in re.findall(r"\w{5}-\w{5}-\w{5}", texts[page])]
    assert shown == [pass_codes.display(item.code) for item in passes]
    assert f"N° de série {passes[0].serial}" in texts[1]
    assert "10,00 €" in texts[1] and "Valable jusqu'au" in texts[1]


def test_replaced_passes_are_not_printed_their_replacements_are(order, operator):
    from passnum.passes.services import block_passes, reissue_passes

    old = passes_of(order)[3]
    block_passes(acting=operator, serial_first=old.serial, serial_last=old.serial, reason="perdu")
    reissue_passes(acting=operator, serial_first=old.serial, serial_last=old.serial, reason="perdu")
    linear, _qr = decoded(render(order))
    assert old.code not in linear
    assert PassReplacement.objects.get(old_pass=old).new_pass.code in linear
    assert len(linear) == 20 and len(set(linear)) == 20


def test_covers_show_sponsor_text_how_it_works_and_booklet_numbers(order):
    pdf = render(order, sponsor_text="Le Département vous offre ce carnet.", logo=png_logo())
    texts = page_texts(pdf)
    booklets = list(order.booklets.order_by("number"))

    for cover, booklet in zip((texts[0], texts[3]), booklets, strict=True):
        assert "Le Département vous offre ce carnet." in cover
        assert f"Offert par {order.sponsor.name}" in cover
        assert "Présentez ce pass dans un lieu de médiation numérique qualifié" in cover
        assert f"{SITE}/lieux/" in cover
        assert f"Carnet n° {booklet.number}" in cover
        assert f"{booklet.first_serial} à {booklet.last_serial}" in cover
    # The logo is one image object, drawn on every cover.
    assert pdf.count(b"/Subtype /Image") == 1
    document = pypdfium2.PdfDocument(pdf)
    try:
        images = [
            len(
                list(
                    document[n].get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=3)
                )
            )
            for n in (0, 3)
        ]
    finally:
        document.close()
    assert images == [1, 1]
    # The cover's QR code leads to the list of places.
    assert decoded(pdf, [0])[1] == [f"{SITE}/lieux/"]


def test_proof_is_marked_and_its_codes_can_never_be_redeemed(order):
    pdf = render(order, proof=True)
    texts = page_texts(pdf)

    assert len(texts) == 3  # one booklet
    assert all(PROOF_MARK in text for text in texts)
    linear, qr = decoded(pdf, [1, 2])
    assert len(linear) == 10 and len(set(linear)) == 10
    assert not set(linear) & {item.code for item in passes_of(order)}
    assert all(pass_codes.problem_with(code) == pass_codes.CodeProblem.BAD_CHECK for code in linear)
    assert set(qr) == {f"{SITE}/p/{code}" for code in linear}
    # The real print is not marked.
    assert PROOF_MARK not in "".join(page_texts(render(order)))


def test_proof_of_an_order_not_yet_issued(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, quantity=20, issued=False, paid=False)

    texts = page_texts(render(order, proof=True, proof_booklets=5))

    # As many booklets as asked, at most the order's two.
    assert len(texts) == 6 and all(PROOF_MARK in text for text in texts)
    assert "Carnet n° 1" in texts[0] and "Carnet n° 2" in texts[3]
    with pytest.raises(InvalidInput):
        render(order, proof=True, proof_booklets=0)
    with pytest.raises(NothingToPrint):
        render(order)


def test_five_pass_booklets_are_one_page_of_passes(sponsor, operator, settings):
    settings.PASSNUM_SMALL_BOOKLET_MIN_PASSES = 10
    order = make_order(sponsor=sponsor, operator=operator, quantity=10, booklet_size=5)
    pdf = render(order)
    assert len(page_texts(pdf)) == 4
    assert set(decoded(pdf, [1, 3])[0]) == {item.code for item in passes_of(order)}


def test_worker_processes_write_the_same_passes(order):
    """workers=2: the pass pages are made in two spawned processes, in the same order."""
    pdf = render(order, workers=2)

    texts = page_texts(pdf)
    assert len(texts) == 6
    shown = [m for page in (1, 2, 4, 5) for m in re.findall(r"\w{5}-\w{5}-\w{5}", texts[page])]
    assert shown == [pass_codes.display(item.code) for item in passes_of(order)]
    assert set(decoded(pdf, [5])[0]) == {item.code for item in passes_of(order)[15:]}


def test_bad_logo_is_refused_before_writing(order):
    output = io.BytesIO()
    with pytest.raises(InvalidLogo):
        render_booklets(order=order, output=output, logo=b"not an image")
    assert output.getvalue() == b""


def test_cross_reference_table_points_at_every_object(order):
    """The streamed file is a well-formed PDF: each xref entry is the offset of its object."""
    pdf = render(order, logo=png_logo())
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf).group(1))
    assert pdf[startxref : startxref + 5] == b"xref\n"
    header = re.match(rb"xref\n0 (\d+)\n", pdf[startxref:])
    count = int(header.group(1))
    entries = pdf[startxref + header.end() :].split(b"\n")[:count]
    assert entries[0] == b"0000000000 65535 f "
    for number, entry in enumerate(entries[1:], start=1):
        offset = int(entry[:10])
        assert pdf[offset:].startswith(b"%d 0 obj" % number), number
    assert f"/Size {count}".encode() in pdf[startxref:]


def test_streaming_canvas_writes_pages_as_it_goes_and_forgets_them():
    output = io.BytesIO()
    canvas = StreamingCanvas(output)
    sizes, kept = [], []
    for number in range(300):
        canvas.setFont("Helvetica", 12)
        canvas.drawString(100, 700, f"Page {number + 1}")
        canvas.showPage()
        sizes.append(len(output.getvalue()))
        kept.append(len(canvas._doc.idToObject))
    canvas.save()

    assert all(b > a for a, b in itertools.pairwise(sizes))  # each page written at once
    assert kept[-1] == kept[10]  # memory does not grow with the pages
    document = pypdfium2.PdfDocument(output.getvalue())
    try:
        assert len(document) == 300
        assert document[299].get_textpage().get_text_range().strip() == "Page 300"
    finally:
        document.close()


def test_rules_in_words(sponsor, operator):
    family = ServiceFamily.objects.order_by("code").first()
    rules = UsageRules(
        departements=["33"],
        families=[family.code],
        usable_from=datetime.date(2027, 3, 1),
        usable_until=datetime.date(2027, 6, 30),
        target_publics=["senior"],
    )
    order = make_order(sponsor=sponsor, operator=operator, rules=rules, issued=False)

    assert rules_in_words(order) == (
        f"Utilisable dans les lieux qualifiés de Gironde (33), pour : {family.name} "
        "du 01/03/2027 au 30/06/2027. Public visé : Senior."
    )
    unrestricted = make_order(sponsor=sponsor, operator=operator, issued=False)
    assert rules_in_words(unrestricted) == (
        "Utilisable dans tous les lieux qualifiés, pour tous les services de médiation numérique."
    )
    # What the passes print by default.
    assert "Gironde (33)" in "".join(page_texts(render(order, proof=True)))


def test_command_prints_an_order(order, tmp_path):
    target = tmp_path / "carnets.pdf"
    out = io.StringIO()

    call_command("booklets", "print", order.reference, "--output", str(target), stdout=out)

    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF-") and len(page_texts(pdf)) == 6
    assert "2 carnets, 20 pass, 6 pages" in out.getvalue()
    assert not (tmp_path / "carnets.pdf.part").exists()


def test_command_prints_the_proof(order, tmp_path):
    target = tmp_path / "bat.pdf"
    call_command(
        "booklets",
        "print",
        order.reference,
        "--output",
        str(target),
        "--proof",
        stdout=io.StringIO(),
    )
    assert all(PROOF_MARK in text for text in page_texts(target.read_bytes()))


def test_command_refuses_unknown_reference_and_order_without_passes(sponsor, operator, tmp_path):
    target = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match="Aucune commande n'a la référence NOPE"):
        call_command("booklets", "print", "NOPE", "--output", str(target))
    unissued = make_order(sponsor=sponsor, operator=operator, issued=False, paid=False)
    with pytest.raises(CommandError, match="pas encore de pass à imprimer"):
        call_command("booklets", "print", unissued.reference, "--output", str(target))
    assert list(tmp_path.iterdir()) == []
