"""`{% feedback_invite redemption %}`: after a scan, the QR code (inline SVG) and the short link
the person uses to give feedback on the service (feedback/services.py feedback_url)."""

from typing import Any

from django import template

from passnum.feedback.services import feedback_url
from passnum.passes.printing.barcodes import qr_svg
from passnum.redemptions.models import Redemption

register = template.Library()


@register.inclusion_tag("www/feedback/_invite.html")
def feedback_invite(redemption: Redemption) -> dict[str, Any]:
    url = feedback_url(redemption)
    return {"url": url, "svg": qr_svg(url)}
