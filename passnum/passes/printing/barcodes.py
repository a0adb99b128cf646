"""QR codes and Code 128 as PDF path operators: one filled path per symbol.

The symbols are encoded by zxing-cpp (C++: ~0.25 ms a QR code, where segno, pure Python, takes
~10 ms choosing its mask, ~1.7 ms with a fixed one). They are drawn as vector rectangles in
module units under one `cm` (scale and position), and filled at once.

Each dark run of a row is one filled strip, built without a Python loop over modules or runs:
a run from x0 to x1 is drawn as the rectangle from x0 to the right edge W of the symbol plus
the rectangle from x1 to W traversed the other way (negative width); under the non-zero
winding rule (`f`) the second cancels the first right of x1. Each of these rectangles depends
on one module only (a run starts there, or ends there), so a table built once per symbol size
maps the module codes to their operators, and `str.join(map(...))` writes the path in C.
That is 5 times faster than finding the runs with a regular expression (0.1 ms a QR code).
"""

import functools
import re
from dataclasses import dataclass
from operator import getitem

import zxingcpp
from django.utils.safestring import mark_safe

_ONE_IF_DARK = bytes([1] + [0] * 255)  # zxing-cpp images: 0x00 dark, 0xff light


@dataclass(frozen=True)
class Symbol:
    """A symbol's path operators in module units, origin at its bottom-left corner."""

    path: str
    width: int  # in modules, without quiet zone
    height: int


def qr_symbol(text: str) -> Symbol:
    """A QR code of `text`, error correction level M (15 % of the symbol can be lost)."""
    image = memoryview(
        zxingcpp.create_barcode(text, zxingcpp.QRCode, ec_level="M").to_image(
            scale=1, add_quiet_zones=False
        )
    )
    assert image.shape is not None
    rows, columns = image.shape
    return Symbol(path=_runs_path(image.tobytes(), rows, columns), width=columns, height=rows)


def code128_symbol(text: str) -> Symbol:
    """A Code 128 of `text`, 1 module high (scale it to the bar height)."""
    image = memoryview(
        zxingcpp.create_barcode(text, zxingcpp.Code128).to_image(scale=1, add_quiet_zones=False)
    )
    assert image.shape is not None
    columns = image.shape[1]
    return Symbol(path=_runs_path(image.tobytes()[:columns], 1, columns), width=columns, height=1)


def place(symbol: Symbol, *, x: float, y: float, module_width: float, height: float) -> str:
    """Operators drawing `symbol` in black with its bottom-left corner at (x, y) points."""
    y_scale = height / symbol.height
    return f"q 0 g {module_width:.4f} 0 0 {y_scale:.4f} {x:.3f} {y:.3f} cm\n{symbol.path}f Q"


def _runs_path(pixels: bytes, rows: int, columns: int) -> str:
    """The path of the dark runs of `rows` rows of `columns` pixels (top row first)."""
    # One light module after each row, so that every run ends in its row.
    padded = b"\xff".join([pixels[i * columns : (i + 1) * columns] for i in range(rows)]) + b"\xff"
    dark = int.from_bytes(padded.translate(_ONE_IF_DARK), "big")
    # Byte k: dark[k] + 2 × dark[k - 1]: 1 a run starts, 2 a run ended just before, 0 or 3 neither.
    codes = (dark + ((dark >> 8) << 1)).to_bytes(len(padded), "big")
    return "".join(map(getitem, _operators(rows, columns), codes))


@functools.cache
def _operators(rows: int, columns: int) -> tuple[tuple[str, str, str, str], ...]:
    """Per module (rows × columns + 1), the operators for codes 0 to 3."""
    table = []
    for row in range(rows):
        y = rows - 1 - row  # PDF y grows upwards
        for x in range(columns + 1):
            starts = f"{x} {y} {columns - x} 1 re\n"
            ends = f"{columns} {y} {x - columns} 1 re\n"
            table.append(("", starts, ends, ""))
    return tuple(table)


def qr_svg(text: str, *, size: int = 176) -> str:
    """A QR code of `text` as an inline SVG element, `size` CSS pixels wide, hidden from screen
    readers (the link beside it says the same)."""
    svg = zxingcpp.create_barcode(text, zxingcpp.QRCode, ec_level="M").to_svg(add_quiet_zones=True)
    svg = svg[svg.index("<svg") :]  # the element alone: no XML declaration nor doctype inline
    found = re.match(r'<svg width="(\d+)" height="(\d+)"', svg)
    if found:
        width, height = found.groups()
        svg = svg.replace(
            found.group(0),
            f'<svg viewBox="0 0 {width} {height}" width="{size}" height="{size}" '
            'aria-hidden="true" focusable="false" shape-rendering="crispEdges"',
            1,
        )
    svg = svg.replace(' id="barcode"', "")
    return mark_safe(svg)  # noqa: S308 (made by zxing from our own URL)
