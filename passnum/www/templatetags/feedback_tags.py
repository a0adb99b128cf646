"""`{% feedback_invite redemption %}`: after a scan, the QR code (inline SVG) and the short link
the person uses to give feedback on the service (feedback/services.py feedback_url)."""

import re
from typing import Any

import zxingcpp
from django import template
from django.utils.safestring import mark_safe

from passnum.feedback.services import feedback_url
from passnum.redemptions.models import Redemption

register = template.Library()


@register.inclusion_tag("www/feedback/_invite.html")
def feedback_invite(redemption: Redemption) -> dict[str, Any]:
    url = feedback_url(redemption)
    return {"url": url, "svg": qr_svg(url)}


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
