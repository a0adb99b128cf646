"""The content streams of the pass pages, built as text and compressed, without reportlab.

This is where the time goes (QR codes, Code 128, compression), so it is a pure function of
picklable data that worker processes can run (`render.write_booklets(workers=2)`): this module
imports neither Django nor the canvas. What every strip shares is a form drawn by the canvas
(`PageStyle.strip_form`); a page here places it five times and adds each pass's own marks.
"""

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm

from passnum.passes.codes import display
from passnum.passes.printing import layout as L
from passnum.passes.printing.barcodes import code128_symbol, place, qr_symbol
from passnum.passes.printing.pdfstream import FLATE_LEVEL


@dataclass(frozen=True)
class PageStyle:
    """What the pass pages of one document share, as PDF operators and text templates."""

    pass_url: str  # "https://…/p/", the code follows
    booklet_label: str  # translated, with %(number)s %(index)s %(count)s
    serial_label: str  # translated, with %(serial)s
    code_font: str  # resource names of the fonts ("/F2") and forms ("/FormXob.strip")
    text_font: str
    strip_form: str
    sheet_form: str
    proof_form: str | None  # the proof's watermark, under everything
    preamble: str  # what reportlab starts each page stream with


@dataclass(frozen=True)
class BookletToPrint:
    number: int
    # (serial, code, signed fragment of the QR — `passes/offline.py`, "" for none), by serial
    passes: Sequence[tuple[int, str, str]]


def booklets_pages(style: PageStyle, booklets: Sequence[BookletToPrint]) -> list[list[bytes]]:
    """The compressed content stream of each pass page of each booklet (a worker's task)."""
    return [
        [
            pass_page(style, booklet, first=start)
            for start in range(0, len(booklet.passes), L.PASSES_PER_PAGE)
        ]
        for booklet in booklets
    ]


def pass_page(style: PageStyle, booklet: BookletToPrint, *, first: int) -> bytes:
    """The page of the passes `first`… (0-based, five at most) of `booklet`, Flate-compressed."""
    parts = [style.preamble]
    if style.proof_form:
        parts.append(f"{style.proof_form} Do")
    parts.append(f"{style.sheet_form} Do")
    count = len(booklet.passes)
    for slot, (serial, code, fragment) in enumerate(
        booklet.passes[first : first + L.PASSES_PER_PAGE]
    ):
        y0 = L.PAGE_HEIGHT - (slot + 1) * L.STRIP_HEIGHT
        parts.append(f"q 1 0 0 1 0 {y0:.3f} cm {style.strip_form} Do")
        parts.append(
            pass_operators(
                style,
                code=code,
                fragment=fragment,
                serial=serial,
                number=booklet.number,
                index=first + slot + 1,
                count=count,
            )
        )
        parts.append("Q")
    return zlib.compress("\n".join(parts).encode("latin-1"), FLATE_LEVEL)


_CODE_CENTRE = L.CODE128_X + 100 * L.CODE128_MODULE  # a 15-character code is ~200 modules
_COURIER_ADVANCE = 0.6 * L.CODE_TEXT_SIZE  # every Courier character is 0.6 em wide


def pass_operators(
    style: PageStyle,
    *,
    code: str,
    serial: int,
    number: int,
    index: int,
    count: int,
    fragment: str = "",
) -> str:
    """What differs from pass to pass: QR code (the pass page's URL, with the signed facts
    after `#` when given), Code 128, code in clear, booklet and serial."""
    qr = qr_symbol(style.pass_url + code + (f"#{fragment}" if fragment else ""))
    bars = code128_symbol(code)
    shown = display(code)
    booklet = style.booklet_label % {"number": number, "index": index, "count": count}
    serial_text = style.serial_label % {"serial": serial}
    return "\n".join(
        (
            place(qr, x=L.QR_X, y=L.QR_Y, module_width=L.QR_SIZE / qr.width, height=L.QR_SIZE),
            place(
                bars,
                x=_CODE_CENTRE - bars.width * L.CODE128_MODULE / 2,
                y=L.CODE128_Y,
                module_width=L.CODE128_MODULE,
                height=L.CODE128_HEIGHT,
            ),
            f"BT {style.code_font} {L.CODE_TEXT_SIZE} Tf 1 0 0 1 "
            f"{_CODE_CENTRE - len(shown) * _COURIER_ADVANCE / 2:.2f} {L.CODE_TEXT_Y:.2f} Tm "
            f"({pdf_text(shown)}) Tj",
            f"{style.text_font} 8 Tf 1 0 0 1 {L.DETAILS_X:.2f} {L.DETAILS_Y:.2f} Tm "
            f"({pdf_text(booklet)}) Tj 0 {-4.2 * mm:.2f} Td ({pdf_text(serial_text)}) Tj ET",
        )
    )


_PDF_ESCAPES = {
    byte: (chr(byte) if 32 <= byte < 127 and byte not in b"()\\" else f"\\{byte:03o}")
    for byte in range(256)
}


def pdf_text(text: str) -> str:
    """`text` as the inside of a PDF string in the standard fonts' encoding (Windows-1252)."""
    return "".join([_PDF_ESCAPES[byte] for byte in L.printable(text).encode("cp1252")])
