"""Booklet PDFs: a cover per booklet, then its passes five to a page, streamed with flat memory.

`render_booklets(order=…, output=…)` prints a whole issued order (or, `proof=True`, its print
proof); `write_booklets` is the engine, fed with any iterable of booklets. What is the same on
every pass (title, value, validity, rules, sponsor) is drawn once as a PDF form and reused;
each pass adds its QR code, its Code 128, its code in clear and its numbers.
"""

import itertools
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from passnum.core.exceptions import InvalidInput
from passnum.core.money import format_euros
from passnum.orders.models import Order
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Booklet, Pass
from passnum.passes.offline import pass_fragment
from passnum.passes.printing import layout as L
from passnum.passes.printing.content import PrintContent
from passnum.passes.printing.cover import define_cover_form, draw_cover, logo_reader
from passnum.passes.printing.exceptions import NothingToPrint
from passnum.passes.printing.pages import BookletToPrint, PageStyle, booklets_pages
from passnum.passes.printing.pdfstream import StreamingCanvas
from passnum.passes.printing.rules import rules_in_words

CHUNK_SIZE = 2000  # passes read from the database at a time
TASK_BOOKLETS = 20  # booklets per task of a worker process
MAX_PROOF_BOOKLETS = 100
STRIP_FORM = "strip"
SHEET_FORM = "sheet"
PROOF_FORM = "proof"
PROOF_RED = Color(0.85, 0.1, 0.1)
PROOF_PALE = Color(0.98, 0.8, 0.8)


@dataclass(frozen=True)
class PrintResult:
    booklets: int
    passes: int
    pages: int


def render_booklets(
    *,
    order: Order,
    output: BinaryIO,
    proof: bool = False,
    site_url: str | None = None,
    sponsor_name: str | None = None,
    sponsor_text: str = "",
    logo: bytes | None = None,
    rules: str | None = None,
    proof_booklets: int = 1,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> PrintResult:
    """Write the booklets of `order` as one PDF to the binary file `output`.

    `proof`: the print proof (bon à tirer) — the first `proof_booklets` booklets with sample
    codes that can never be redeemed (their check character is wrong), every page marked
    « ÉPREUVE — BON À TIRER »; the order need not be issued. Otherwise every pass of the order,
    by serial (NothingToPrint if it has none). `sponsor_name` defaults to the sponsor's name,
    `rules` to `rules_in_words(order)`, `site_url` to settings.SITE_URL. `progress` is called
    after each booklet with the number of passes written so far; `workers` > 1 makes the pass
    pages in that many processes (see write_booklets).
    """
    content = PrintContent(
        sponsor_name=order.sponsor.name if sponsor_name is None else sponsor_name,
        sponsor_text=sponsor_text,
        logo=logo,
        face_value=format_euros(order.face_value_cents),
        valid_until_text=formats.date_format(order.valid_until, "SHORT_DATE_FORMAT"),
        rules=rules_in_words(order) if rules is None else rules,
        site_url=(site_url or settings.SITE_URL).rstrip("/"),
        booklet_size=order.booklet_size,
        title=_("Pass numérique — commande %(reference)s") % {"reference": order.reference},
        proof=proof,
    )
    if content.logo is not None:
        logo_reader(content.logo)  # InvalidLogo before anything is written
    if proof and not 1 <= proof_booklets <= MAX_PROOF_BOOKLETS:
        raise InvalidInput(_("Une épreuve compte de 1 à %(max)s carnets."), max=MAX_PROOF_BOOKLETS)
    if proof:
        booklets: Iterable[BookletToPrint] = proof_booklets_of(order, count=proof_booklets)
    else:
        if not Pass.objects.filter(order=order).exists():
            raise NothingToPrint(reference=order.reference)
        booklets = booklets_of(order, chunk_size=chunk_size)
    return write_booklets(
        booklets=booklets, content=content, output=output, progress=progress, workers=workers
    )


def booklets_of(order: Order, *, chunk_size: int = CHUNK_SIZE) -> Iterator[BookletToPrint]:
    """The order's booklets with their passes, read by serial `chunk_size` rows at a time."""
    rows = (
        Pass.objects.filter(order=order)
        .exclude(status=PassStatus.REPLACED)  # its code is refused; its replacement is printed
        .order_by("serial")
        .values_list("booklet__number", "serial", "code")
        .iterator(chunk_size=chunk_size)
    )
    face, last_day = order.face_value_cents, order.expires_on
    for number, passes in itertools.groupby(rows, key=lambda row: row[0]):
        yield BookletToPrint(
            number=number,
            passes=[
                (serial, code, pass_fragment(code=code, face_value_cents=face, last_day=last_day))
                for _n, serial, code in passes
            ],
        )


def proof_booklets_of(order: Order, *, count: int) -> list[BookletToPrint]:
    """The order's first `count` booklets (their numbers once issued) with sample codes."""
    size = order.booklet_size
    count = min(count, order.booklet_count)
    numbers = list(
        Booklet.objects.filter(order=order)
        .order_by("number")
        .values_list("number", "first_serial")[:count]
    )
    while len(numbers) < count:
        numbers.append((len(numbers) + 1, len(numbers) * size + 1))
    codes = sample_codes(count * size)
    return [
        BookletToPrint(
            number=number,
            passes=[(first + i, codes[b * size + i], "") for i in range(size)],
        )
        for b, (number, first) in enumerate(numbers)
    ]


def sample_codes(count: int) -> list[str]:
    """Codes that look real but fail their check character, so no scan can ever accept them."""
    samples = []
    for code in pass_codes.new_codes(count):
        wrong = pass_codes.ALPHABET[(pass_codes.ALPHABET.index(code[-1]) + 1) % pass_codes.BASE]
        samples.append(code[:-1] + wrong)
    return samples


def write_booklets(
    *,
    booklets: Iterable[BookletToPrint],
    content: PrintContent,
    output: BinaryIO,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> PrintResult:
    """The engine: per booklet a cover page, then its passes five to a page, written as it goes.

    `workers` > 1: the pass pages (QR codes, Code 128, compression: most of the work) are made
    by that many worker processes, `TASK_BOOKLETS` booklets a task, at most two tasks a worker
    ahead of the writing, so memory stays flat; this process draws the covers and writes.
    """
    canvas = StreamingCanvas(output, pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(L.printable(content.title))
    canvas.setAuthor(L.printable(content.sponsor_name))
    canvas.setCreator("passnum")
    define_cover_form(canvas, content)
    _define_strip_form(canvas, content)
    _define_sheet_form(canvas)
    forms = [SHEET_FORM, STRIP_FORM]
    if content.proof:
        _define_proof_form(canvas)
        forms.append(PROOF_FORM)
    style = PageStyle(
        pass_url=f"{content.site_url}/p/",
        booklet_label=_("Carnet n° %(number)s · pass %(index)s/%(count)s"),
        serial_label=_("N° de série %(serial)s"),
        code_font=canvas.font_name(L.FONT_CODE),
        text_font=canvas.font_name(L.FONT),
        strip_form=canvas.form_name(STRIP_FORM),
        sheet_form=canvas.form_name(SHEET_FORM),
        proof_form=canvas.form_name(PROOF_FORM) if content.proof else None,
        preamble=canvas.preamble,
    )
    totals = {"booklets": 0, "passes": 0, "pages": 0}

    def write(batch: list[BookletToPrint], pages: list[list[bytes]]) -> None:
        for booklet, booklet_pages in zip(batch, pages, strict=True):
            if content.proof:
                canvas.doForm(PROOF_FORM)
            draw_cover(
                canvas,
                number=booklet.number,
                first_serial=booklet.passes[0][0],
                last_serial=booklet.passes[-1][0],
                count=len(booklet.passes),
            )
            canvas.showPage()
            for page in booklet_pages:
                canvas.show_compressed_page(page, forms=forms)
            totals["booklets"] += 1
            totals["passes"] += len(booklet.passes)
            totals["pages"] += 1 + len(booklet_pages)
            if progress is not None:
                progress(totals["passes"])

    batches = _batched(booklets, TASK_BOOKLETS)
    if workers <= 1:
        for batch in batches:
            write(batch, booklets_pages(style, batch))
    else:
        context = multiprocessing.get_context("spawn")  # no Django state in the workers
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque = deque()
            for batch in batches:
                pending.append((batch, pool.submit(booklets_pages, style, batch)))
                if len(pending) >= 2 * workers:
                    done, future = pending.popleft()
                    write(done, future.result())
            while pending:
                done, future = pending.popleft()
                write(done, future.result())
    canvas.save()
    return PrintResult(**totals)


def _batched(items: Iterable[BookletToPrint], size: int) -> Iterator[list[BookletToPrint]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _define_strip_form(canvas: StreamingCanvas, content: PrintContent) -> None:
    """What every pass strip shows: title, sponsor, value, validity, rules, captions."""
    canvas.beginForm(STRIP_FORM)
    canvas.setFont(L.FONT_BOLD, 13)
    canvas.drawString(L.MARGIN, L.TITLE_Y, L.printable(_("PASS NUMÉRIQUE")))
    if content.sponsor_name:
        canvas.setFont(L.FONT, 8)
        sponsor = L.wrap(
            _("Offert par %(sponsor)s") % {"sponsor": content.sponsor_name},
            font=L.FONT,
            size=8,
            width=L.VALUE_RIGHT - L.MARGIN - 45 * mm,
            max_lines=1,
        )
        canvas.drawString(L.MARGIN, L.SPONSOR_Y, sponsor[0])
    canvas.setFont(L.FONT_BOLD, 26)
    canvas.drawRightString(L.VALUE_RIGHT, L.VALUE_Y, L.printable(content.face_value))
    canvas.setFont(L.FONT_BOLD, 9)
    canvas.drawString(
        L.MARGIN,
        L.VALIDITY_Y,
        L.printable(_("Valable jusqu'au %(date)s") % {"date": content.valid_until_text}),
    )
    canvas.setFont(L.FONT, L.RULES_SIZE)
    lines = L.wrap(
        content.rules,
        font=L.FONT,
        size=L.RULES_SIZE,
        width=L.TEXT_RIGHT - L.MARGIN,
        max_lines=L.RULES_LINES,
    )
    for index, line in enumerate(lines):
        canvas.drawString(L.MARGIN, L.RULES_Y - index * L.RULES_SIZE * 1.25, line)
    canvas.setFont(L.FONT, 8)
    canvas.drawString(
        L.DETAILS_X,
        L.CODE_TEXT_Y,
        L.printable(_("Un pass ne sert qu'une fois. Aucune monnaie rendue.")),
    )
    canvas.setFont(L.FONT, 6.5)
    canvas.drawCentredString(
        L.QR_X + L.QR_SIZE / 2,
        L.QR_CAPTION_Y,
        L.printable(_("Où l'utiliser ? Scannez-moi")),
    )
    canvas.endForm()


def _define_sheet_form(canvas: StreamingCanvas) -> None:
    """Cut marks at both edges of the page between the strips, and a light dashed guide."""
    canvas.beginForm(SHEET_FORM)
    canvas.setLineWidth(0.5)
    for index in range(1, L.PASSES_PER_PAGE):
        y = index * L.STRIP_HEIGHT
        canvas.setStrokeColor(Color(0, 0, 0))
        canvas.setDash()
        canvas.line(0, y, L.CUT_MARK, y)
        canvas.line(L.PAGE_WIDTH - L.CUT_MARK, y, L.PAGE_WIDTH, y)
        canvas.setStrokeColor(Color(0.75, 0.75, 0.75))
        canvas.setDash(2, 3)
        canvas.line(L.CUT_MARK + 2 * mm, y, L.PAGE_WIDTH - L.CUT_MARK - 2 * mm, y)
    canvas.endForm()


def _define_proof_form(canvas: StreamingCanvas) -> None:
    """The proof's mark: a pale diagonal watermark under the page and a red line at its top."""
    mark = L.printable(_("ÉPREUVE — BON À TIRER"))
    canvas.beginForm(PROOF_FORM)
    canvas.saveState()
    canvas.setFillColor(PROOF_PALE)
    canvas.setFont(L.FONT_BOLD, 44)
    canvas.translate(L.PAGE_WIDTH / 2, L.PAGE_HEIGHT / 2)
    canvas.rotate(55)
    for offset in (-250, 0, 250):  # three parallel lines across the page
        canvas.drawCentredString(0, offset - 15, mark)
    canvas.restoreState()
    canvas.setFillColor(PROOF_RED)
    canvas.setFont(L.FONT_BOLD, 8)
    canvas.drawCentredString(
        L.PAGE_WIDTH / 2,
        L.PAGE_HEIGHT - 3 * mm,
        L.printable(
            _("%(mark)s — codes d'exemple, inutilisables — à faire approuver avant l'impression")
            % {"mark": mark}
        ),
    )
    canvas.endForm()
