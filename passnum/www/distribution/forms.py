"""Forms of the distribution pages. They read what a person types field by field (each error
next to its field); the services check everything again and have the last word."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.passes.distribution import REFERENCE_MAX_LENGTH, handout_publics
from passnum.www.qualification.forms import DsfrForm

NUMBER = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
REFERENCE_HELP = _(
    "Facultatif, 40 caractères au plus : un numéro de dossier de votre service, par exemple. "
    "N'écrivez jamais le nom, l'adresse ni la date de naissance de la personne. Cette "
    "référence est effacée automatiquement après le délai de conservation."
)


def _positive(label: Any, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=10**15, widget=NUMBER, **kwargs)


class RangeMixin:
    """`first` ≤ `last`."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}  # type: ignore[misc]
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", _("Le dernier numéro précède le premier."))  # type: ignore[attr-defined]
        return data


# --- Sponsor: distributors -----------------------------------------------------------------------


class CreateDistributorForm(DsfrForm):
    name = forms.CharField(
        label=_("Nom du distributeur"),
        max_length=200,
        help_text=_("Par exemple : CCAS de Pessac, Mission locale des Graves."),
    )
    siren = forms.CharField(label=_("SIREN ou SIRET"), max_length=20, required=False, widget=NUMBER)
    departement = forms.CharField(
        label=_("Département"),
        max_length=3,
        required=False,
        help_text=_("Son code : 33, 2A, 974…"),
    )
    admin_email = forms.EmailField(
        label=_("Adresse e-mail de son administrateur"),
        help_text=_(
            "Cette personne reçoit un lien valable 7 jours pour créer son compte ; elle invite "
            "ensuite ses collègues."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class LinkDistributorForm(DsfrForm):
    siren = forms.CharField(
        label=_("SIREN ou SIRET du distributeur"),
        max_length=20,
        widget=NUMBER,
        help_text=_(
            "Un distributeur déjà inscrit sur passnum, par exemple pour un autre commanditaire."
        ),
    )


class InviteAdminForm(DsfrForm):
    email = forms.EmailField(
        label=_("Adresse e-mail de l'administrateur"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


# --- Sponsor: assignment -------------------------------------------------------------------------

BY_NUMBERS, BY_SERIALS, BY_COUNT = "numbers", "serials", "count"


class AssignForm(RangeMixin, DsfrForm):
    distributor = forms.TypedChoiceField(label=_("Distributeur"), coerce=int)
    mode = forms.ChoiceField(
        label=_("Quels carnets"),
        choices=[
            (BY_COUNT, _("Les N prochains carnets en stock")),
            (BY_NUMBERS, _("Une plage de numéros de carnets")),
            (BY_SERIALS, _("Une plage de numéros de série (carnets entiers)")),
        ],
        initial=BY_COUNT,
        widget=forms.RadioSelect,
    )
    count = _positive(_("Nombre de carnets"), required=False)
    first = _positive(_("Premier numéro"), required=False)
    last = _positive(_("Dernier numéro"), required=False)

    def __init__(self, *args: Any, distributors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["distributor"].choices = distributors  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode = data.get("mode")
        if mode == BY_COUNT and not data.get("count"):
            self.add_error("count", _("Indiquez combien de carnets attribuer."))
        if mode in (BY_NUMBERS, BY_SERIALS):
            for name in ("first", "last"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Indiquez le premier et le dernier numéro."))
        return data


class WithdrawForm(RangeMixin, DsfrForm):
    mode = forms.ChoiceField(
        label=_("Plage de"),
        choices=[
            (BY_NUMBERS, _("numéros de carnets")),
            (BY_SERIALS, _("numéros de série (carnets entiers)")),
        ],
        initial=BY_NUMBERS,
        widget=forms.RadioSelect,
    )
    first = _positive(_("Premier numéro"))
    last = _positive(_("Dernier numéro"))
    distributor = forms.TypedChoiceField(
        label=_("Reprendre à"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, distributors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["distributor"].choices = [  # type: ignore[attr-defined]
            ("", _("Tous les distributeurs")),
            *distributors,
        ]


# --- Distributor: hand-outs ----------------------------------------------------------------------


def _today() -> Any:
    return timezone.localdate()


class HandOutFields(DsfrForm):
    handed_out_on = forms.DateField(
        label=_("Date de la remise"),
        initial=_today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Pas dans le futur, ni avant la réception du carnet."),
    )
    public = forms.ChoiceField(label=_("Public"), choices=handout_publics)
    reference = forms.CharField(
        label=_("Référence pseudonyme"),
        max_length=REFERENCE_MAX_LENGTH,
        required=False,
        help_text=REFERENCE_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class HandOutForm(HandOutFields):
    field_order = ["booklet", "handed_out_on", "public", "reference"]

    booklet = _positive(_("Numéro du carnet"))


class HandOutRangeForm(RangeMixin, HandOutFields):
    field_order = ["first", "last", "handed_out_on", "public", "reference"]

    first = _positive(_("Premier carnet"))
    last = _positive(_("Dernier carnet"))


class HandOutCsvForm(DsfrForm):
    upload = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Une ligne par carnet : numéro du carnet, date (31/01/2027), catégorie de public, "
            "référence facultative, séparés par des virgules ou des points-virgules. Encodage "
            "UTF-8, 2 Mo au plus. N'y mettez jamais le nom des personnes."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class CommuneForm(DsfrForm):
    commune = forms.CharField(
        label=_("Commune de la personne"),
        max_length=100,
        help_text=_(
            "Son nom ou son code postal. Elle sert seulement à choisir les lieux de la lettre : "
            "elle n'est pas enregistrée."
        ),
    )


# --- Blocking and reissue ------------------------------------------------------------------------

BY_PASS, BY_BOOKLET, BY_RANGE = "pass", "booklet", "range"


class BlockForm(RangeMixin, DsfrForm):
    mode = forms.ChoiceField(
        label=_("Que bloquer"),
        choices=[
            (BY_BOOKLET, _("Un carnet entier")),
            (BY_PASS, _("Un pass")),
            (BY_RANGE, _("Une plage de numéros de série")),
        ],
        initial=BY_BOOKLET,
        widget=forms.RadioSelect,
    )
    booklet = _positive(_("Numéro du carnet"), required=False)
    serial = _positive(_("Numéro de série du pass"), required=False)
    first = _positive(_("Premier numéro de série"), required=False)
    last = _positive(_("Dernier numéro de série"), required=False)
    reason = forms.CharField(
        label=_("Motif"),
        max_length=500,
        help_text=_("Par exemple : carnet perdu le 12/03, vol déclaré."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode = data.get("mode")
        needed = {BY_BOOKLET: ["booklet"], BY_PASS: ["serial"], BY_RANGE: ["first", "last"]}
        for name in needed.get(mode or "", []):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Ce numéro est nécessaire."))
        return data


class ReissueForm(RangeMixin, DsfrForm):
    first = _positive(_("Premier numéro de série"))
    last = _positive(_("Dernier numéro de série"))
    reason = forms.CharField(
        label=_("Motif"),
        max_length=500,
        help_text=_("Par exemple : vol déclaré par le CCAS de Pessac le 12/03."),
    )
