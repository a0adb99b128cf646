"""Charts drawn on the server as inline SVG: no JavaScript, nothing fetched from elsewhere.

Accessible the way the DSFR asks of a graphic: `role="img"`, a `<title>` (and `aria-labelledby`
pointing at it), a `<desc>` summing up the figures; the page puts the data table right after
each chart. Colours and text are SVG presentation attributes (no inline style, for the CSP).
Labels and values are escaped.
"""

import itertools
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 250
VALUE_WIDTH = 110
SERIES_HEIGHT = 240
BLUE = "#000091"  # DSFR "bleu France"
GREY = "#666666"
MAX_LABEL = 38

_ids = itertools.count(1)


def _short(label: str, size: int = MAX_LABEL) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _open(title: str, height: int, desc: str) -> tuple[list[str], str]:
    ident = f"chart-{next(_ids)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="passnum-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]
    return parts, ident


def bar_chart(
    title: str,
    points: Sequence[tuple[str, int]],
    *,
    format_value: Callable[[int], str] = _thousands,
    max_bars: int = 15,
) -> SafeString:
    """Horizontal bars, one per (label, value), in the order given; the first `max_bars` only
    (the table under the chart has them all)."""
    shown = list(points)[:max_bars]
    height = max(1, len(shown)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    desc = "; ".join(f"{label} : {format_value(value)}" for label, value in shown)
    parts, _ = _open(title, height, desc)
    largest = max((value for _, value in shown), default=0)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for index, (label, value) in enumerate(shown):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        length = round(span * max(value, 0) / largest) if largest > 0 else 0
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" font-size="13" '
            f'fill="currentColor">{escape(_short(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BLUE}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" font-size="13" '
            f'fill="currentColor">{escape(format_value(value))}</text>'
        )
    if not shown:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{height / 2 + 5}" text-anchor="middle" font-size="13" '
            f'fill="{GREY}">–</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def time_series(
    title: str,
    points: Sequence[tuple[str, int]],
    *,
    format_value: Callable[[int], str] = _thousands,
    max_labels: int = 8,
) -> SafeString:
    """A line over time, one point per (period label, value), in order; the axis names at most
    `max_labels` periods, and the largest value."""
    left, right, top, bottom = 70, 20, 20, 40
    plot_w, plot_h = WIDTH - left - right, SERIES_HEIGHT - top - bottom
    values = [max(value, 0) for _, value in points]
    largest = max(values, default=0)
    desc = "; ".join(f"{label} : {format_value(value)}" for label, value in points)
    parts, _ = _open(title, SERIES_HEIGHT, desc)
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{GREY}"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="{GREY}"/>'
        f'<text x="{left - 6}" y="{top + 5}" text-anchor="end" font-size="12" '
        f'fill="currentColor">{escape(format_value(largest))}</text>'
        f'<text x="{left - 6}" y="{base}" text-anchor="end" font-size="12" '
        f'fill="currentColor">0</text>'
    )
    count = len(points)
    if count:
        step = plot_w / (count - 1) if count > 1 else 0
        coords = [
            (
                round(left + (index * step if count > 1 else plot_w / 2), 1),
                round(base - (plot_h * value / largest if largest else 0), 1),
            )
            for index, value in enumerate(values)
        ]
        if count > 1:
            path = " ".join(f"{x},{y}" for x, y in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>'
            )
        every = max(1, -(-count // max_labels))
        for index, ((x, y), (label, _value)) in enumerate(zip(coords, points, strict=True)):
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{BLUE}"/>')
            if index % every == 0 or index == count - 1:
                parts.append(
                    f'<text x="{x}" y="{base + 18}" text-anchor="middle" font-size="11" '
                    f'fill="currentColor">{escape(_short(label, 16))}</text>'
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
