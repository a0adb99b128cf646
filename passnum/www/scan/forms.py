"""The scanning form. It works alone, without JavaScript: the codes typed one per line (a
handheld scanner types a code then Enter, so it fills the same field). The page's script only
fills the same fields from its list of checked passes."""

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from passnum.core.money import format_euros
from passnum.places.models import ServiceOffer
from passnum.redemptions.offline import split_qr
from passnum.www.qualification.forms import DsfrForm

# Room for the longest list the redemption accepts, each code a full pass URL.
MAX_CODES_TEXT = 20_000


def new_idempotency_key() -> str:
    """A key per display of the form: sent twice (a double click, the browser retrying), the
    same payment is recorded once (`redeem_passes` replays the first answer)."""
    return f"page-{uuid.uuid4()}"


def code_from_scan(text: str) -> str:
    """What a person typed or a reader sent, as a pass code: the code itself, or the one in a
    pass's URL (the QR code). Normalising and checking it is the redemption rules' job."""
    return split_qr(text)[0]  # one reading of a pass's address, online and offline


def codes_in(text: str) -> list[str]:
    """The codes of `text`, one a line, blank lines left out."""
    return [code for code in (code_from_scan(line) for line in text.splitlines()) if code]


def offer_label(offer: ServiceOffer) -> str:
    return ngettext(
        "%(service)s — %(price)s (%(count)s pass)",
        "%(service)s — %(price)s (%(count)s pass)",
        offer.passes_needed,
    ) % {
        "service": offer.service.label,
        "price": format_euros(offer.price_cents),
        "count": offer.passes_needed,
    }


class ScanForm(DsfrForm):
    service = forms.ChoiceField(
        label=_("Service rendu"),
        help_text=_("Les services de l'offre de ce lieu, à leur prix affiché."),
    )
    codes = forms.CharField(
        label=_("Codes des pass"),
        help_text=_(
            "Un code par ligne, avec ou sans tirets (par exemple K7PQ2-XM4RT-9HWAC). Une "
            "douchette tape le code puis passe à la ligne."
        ),
        max_length=MAX_CODES_TEXT,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=100,
        validators=[RegexValidator(r"^[\x21-\x7e]+$")],
    )

    def __init__(self, *args: Any, offers: list[ServiceOffer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offers = {offer.service.code: offer for offer in offers}
        choices: list[tuple[str, str]] = [
            (offer.service.code, offer_label(offer)) for offer in offers
        ]
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = (
            choices if len(choices) == 1 else [("", _("Choisissez le service")), *choices]
        )

    def clean_codes(self) -> list[str]:
        codes = codes_in(self.cleaned_data["codes"])
        if not codes:
            raise forms.ValidationError(_("Saisissez au moins un code de pass."))
        limit = settings.PASSNUM_MAX_PASSES_PER_REDEMPTION
        if len(codes) > limit:
            raise forms.ValidationError(_("Au plus %(max)s pass par paiement.") % {"max": limit})
        return codes

    def offer(self) -> ServiceOffer:
        return self.offers[self.cleaned_data["service"]]
