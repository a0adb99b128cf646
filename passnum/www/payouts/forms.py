"""Forms of the payout pages: what finance staff type (a period, a date, a rejection reason, a
SEPA schema). The rules themselves are the services' (`payouts.services`), whose refusals the
views show."""

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import DomainError
from passnum.payouts.enums import PayoutKind, SepaSchema
from passnum.payouts.periods import Period, parse_period
from passnum.www.qualification.forms import DsfrForm
from passnum.www.sponsor.forms import DateInput


class RunForm(DsfrForm):
    """A month (`2026-11`) or an ISO week (`2026-W48`); or, on demand, any span of days."""

    period = forms.CharField(
        label=_("Mois ou semaine à payer"),
        help_text=_(
            "Par exemple 2026-11 (un mois) ou 2026-W48 (une semaine, du lundi au dimanche)."
        ),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    start = forms.DateField(label=_("Ou, à la demande : du"), required=False, widget=DateInput())
    end = forms.DateField(label=_("au (inclus)"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text, start, end = data.get("period", ""), data.get("start"), data.get("end")
        if self.errors:
            return data
        if text and (start or end):
            raise forms.ValidationError(
                _("Indiquez soit un mois ou une semaine, soit des dates, pas les deux.")
            )
        if text:
            try:
                data["chosen"] = parse_period(text)
            except DomainError as exc:
                self.add_error("period", str(exc))
        elif start and end:
            data["chosen"] = Period(start, end, PayoutKind.ON_DEMAND)
        else:
            raise forms.ValidationError(
                _("Indiquez le mois ou la semaine à payer, ou les deux dates de la période.")
            )
        return data


class ExecuteForm(DsfrForm):
    executed_on = forms.DateField(label=_("Virements envoyés à la banque le"), widget=DateInput())

    def clean_executed_on(self) -> datetime.date:
        executed_on: datetime.date = self.cleaned_data["executed_on"]
        if executed_on > timezone.localdate():
            raise forms.ValidationError(_("Une date passée ou celle d'aujourd'hui."))
        return executed_on


class RejectForm(DsfrForm):
    reason = forms.CharField(
        label=_("Motif du rejet donné par la banque"),
        help_text=_("Par exemple : compte clos (AC04), IBAN inconnu (AC01)."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SepaForm(DsfrForm):
    schema = forms.ChoiceField(label=_("Format du fichier SEPA"), choices=SepaSchema.choices)
    execution_date = forms.DateField(
        label=_("Date d'exécution demandée"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schema"].initial = settings.PASSNUM_SEPA_SCHEMA
        self.fields["execution_date"].initial = timezone.localdate()
