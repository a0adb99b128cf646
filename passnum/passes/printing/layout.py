"""Geometry of the printed booklets, and text helpers.

A4 portrait sheets. A booklet is a cover page, then its passes five to a page: each pass is a
full-width strip of 210 × 59.4 mm (a cheque-like ticket), cut along the marks at both edges.
A booklet of 10 passes is 3 pages, of 5 passes 2 pages. Coordinates are points, origin at the
bottom-left corner (of the page, or of the strip for what a strip holds).
"""

import unicodedata

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit

PAGE_WIDTH, PAGE_HEIGHT = A4
PASSES_PER_PAGE = 5
STRIP_WIDTH = PAGE_WIDTH
STRIP_HEIGHT = PAGE_HEIGHT / PASSES_PER_PAGE  # 59.4 mm
MARGIN = 9 * mm  # inside a strip, left and right
CUT_MARK = 6 * mm  # length of the cut marks at the page edges

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_CODE = "Courier-Bold"

# Pass strip, from its bottom-left corner.
TITLE_Y = 51 * mm
SPONSOR_Y = 46.5 * mm
VALIDITY_Y = 41.5 * mm
RULES_Y = 37 * mm  # first line of the rules; the second one 3.3 mm below
RULES_SIZE = 7.5
RULES_LINES = 2
VALUE_RIGHT = 163 * mm  # face value right-aligned here, left of the QR code
VALUE_Y = 45 * mm
TEXT_RIGHT = 163 * mm  # text column ends here
# Code 128: X dimension 0.3 mm (11.8 mil, read by any handheld scanner), 13 mm high, quiet
# zones of ≥ 10 X (3 mm) left free on both sides.
CODE128_MODULE = 0.3 * mm
CODE128_X = MARGIN + 3.5 * mm
CODE128_Y = 12.5 * mm
CODE128_HEIGHT = 13 * mm
CODE_TEXT_Y = 6.5 * mm  # the code in clear, under the bars
CODE_TEXT_SIZE = 12
DETAILS_X = 88 * mm  # booklet and serial numbers, right of the Code 128
DETAILS_Y = 23 * mm
# QR code: the modules in a 28 mm square (0.97 mm a module at version 3), quiet zone ≥ 4
# modules around it (free space up to the text column and the strip edges).
QR_SIZE = 28 * mm
QR_X = STRIP_WIDTH - MARGIN - QR_SIZE
QR_Y = 17 * mm
QR_CAPTION_Y = 11.5 * mm

# Cover page.
COVER_MARGIN = 20 * mm
COVER_WIDTH = PAGE_WIDTH - 2 * COVER_MARGIN
LOGO_MAX_WIDTH = 55 * mm
LOGO_MAX_HEIGHT = 30 * mm
COVER_QR_SIZE = 32 * mm
BOOKLET_BOX_HEIGHT = 30 * mm  # the booklet's own numbers, at the bottom of the cover


def printable(text: str) -> str:
    """`text` in the characters the standard PDF fonts have (Windows-1252).

    Other letters lose their accents ("ő" → "o"); what has no such form (emoji…) is left out.
    The narrow no-break space of format_euros becomes a no-break space.
    """
    text = text.replace("\u202f", "\u00a0").replace("\r", "")
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        text = "".join(char if _in_cp1252(char) else _closest(char) for char in text)
    return text


def _in_cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _closest(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if _in_cp1252(c))


def wrap(text: str, *, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """`text` cut into lines of at most `width` points; past `max_lines`, the last ends with '…'."""
    lines: list[str] = []
    for paragraph in printable(text).split("\n"):
        lines.extend(simpleSplit(paragraph, font, size, width) or [""])
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1].rstrip()
        while last and simpleSplit(last + "…", font, size, width) != [last + "…"]:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return lines
