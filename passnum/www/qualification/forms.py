"""Forms of the qualification pages. They check what a person types field by field (so each error
is shown next to its field); the services check everything again and have the last word."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from passnum.accounts.models import User
from passnum.places.eligibility import CURRENT_GRID, CURRENT_TERMS_VERSION
from passnum.places.enums import (
    AccessMode,
    DocumentKind,
    OfferFormat,
    PlaceType,
    Public,
    SpecificSupport,
    SupportMode,
)
from passnum.places.services.files import MAX_DOCUMENT_BYTES
from passnum.places.validation import (
    POSTCODE_RE,
    InvalidPlace,
    clean_siren,
    clean_siret,
    normalise_phone,
    opening_hours_ok,
)

HOURS_EXAMPLE = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"


def _hours_help() -> str:
    return gettext("Dans la syntaxe d'OpenStreetMap, par exemple : %(example)s") % {
        "example": HOURS_EXAMPLE
    }


# Filled in when shown, in the language of the request (`_(…) % …` here would be French forever).
HOURS_HELP = lazy(_hours_help, str)()

CSS_CLASSES = {
    "select": "fr-select",
    "selectmultiple": "fr-select",
    "file": "fr-upload",
    "clearablefile": "fr-upload",
}


class DsfrForm(forms.Form):
    """Puts the design system's class on every widget; the templates do the rest."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                continue
            kind = widget.__class__.__name__.lower().removesuffix("input").removesuffix("widget")
            widget.attrs.setdefault("class", CSS_CLASSES.get(kind, "fr-input"))


def _domain_check(check: Any, value: Any) -> Any:
    """Runs one of the places validation helpers, turning its error into a field error."""
    try:
        return check(value)
    except InvalidPlace as exc:
        raise forms.ValidationError(str(exc)) from exc


# --- Account -------------------------------------------------------------------------------------


class SignUpForm(DsfrForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        help_text=_("Elle sert à vous connecter et à recevoir les nouvelles de votre dossier."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        help_text=_("Au moins 8 caractères, pas uniquement des chiffres, pas un mot trop courant."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Mot de passe, une deuxième fois"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    organisation_name = forms.CharField(label=_("Nom de votre structure"), max_length=200)
    siren = forms.CharField(
        label=_("SIREN de votre structure"),
        help_text=_("9 chiffres, par exemple 732 829 320."),
        max_length=20,
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("Un compte existe déjà avec cette adresse : connectez-vous.")
            )
        return email

    def clean_siren(self) -> str:
        return _domain_check(clean_siren, self.cleaned_data["siren"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe sont différents."))
        elif first:
            candidate = User(
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


# --- The file's own steps ------------------------------------------------------------------------


class IdentityForm(DsfrForm):
    siret = forms.CharField(
        label=_("SIRET du siège"), help_text=_("14 chiffres, sans espace ou avec."), max_length=20
    )
    legal_form = forms.CharField(
        label=_("Forme juridique"),
        help_text=_("Association, commune, SCIC, SAS…"),
        max_length=100,
    )
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Présentation de la structure"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    billing_address = forms.CharField(
        label=_("Adresse de facturation"), required=False, max_length=300
    )

    def clean_siret(self) -> str:
        return _domain_check(clean_siret, self.cleaned_data["siret"])


class RepresentativeForm(DsfrForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.CharField(
        label=_("Fonction"), help_text=_("Président·e, maire, gérant·e…"), max_length=100
    )


def _points(points: int) -> str:
    return ngettext("%(points)s point", "%(points)s points", points) % {"points": points}


class EligibilityForm(DsfrForm):
    """One radio group per question of the current public grid, the points shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in CURRENT_GRID.questions:
            self.fields[question.code] = forms.ChoiceField(
                label=question.text,  # type: ignore[arg-type]
                required=False,
                widget=forms.RadioSelect,
                choices=[
                    (option.code, f"{option.text} ({_points(option.points)})")
                    for option in question.options
                ],
                help_text=question.help,  # type: ignore[arg-type]
            )

    def answers(self) -> dict[str, str]:
        return {code: value for code, value in self.cleaned_data.items() if value}


class TermsForm(DsfrForm):
    version = forms.CharField(widget=forms.HiddenInput, initial=CURRENT_TERMS_VERSION)
    accept = forms.BooleanField(
        label=_(
            "J'ai lu les conditions d'utilisation et la charte, et je les accepte au nom de ma structure."
        ),
        error_messages={"required": _("Cochez la case pour accepter les conditions.")},
    )


class BankForm(DsfrForm):
    holder = forms.CharField(label=_("Titulaire du compte"), max_length=140)
    iban = forms.CharField(
        label=_("IBAN"), help_text=_("Par exemple : FR76 3000 6000 0112 3456 7890 189")
    )
    bic = forms.CharField(
        label=_("BIC"),
        required=False,
        help_text=_("Facultatif pour un compte en France : il est déduit de l'IBAN."),
    )

    def clean_iban(self) -> str:
        try:
            return IBAN(self.cleaned_data["iban"]).compact
        except SchwiftyException as exc:
            raise forms.ValidationError(_("IBAN invalide : vérifiez chaque caractère.")) from exc

    def clean_bic(self) -> str:
        value = self.cleaned_data["bic"].strip()
        if not value:
            return ""
        try:
            return BIC(value).compact
        except SchwiftyException as exc:
            raise forms.ValidationError(_("BIC invalide : 8 ou 11 caractères.")) from exc


class DocumentForm(DsfrForm):
    kind = forms.ChoiceField(label=_("Type de justificatif"), choices=DocumentKind.choices)
    upload = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, PNG ou JPEG, 5 Mo au plus."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 5 Mo."))
        return upload


class CommentForm(DsfrForm):
    text = forms.CharField(
        label=_("Votre commentaire"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


# --- Places and offers ---------------------------------------------------------------------------


def _checkboxes(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class PlaceForm(DsfrForm):
    """A place. The commune comes from the postcode when the geography knows it (a select when
    several communes share it); otherwise it is typed with its INSEE code."""

    name = forms.CharField(label=_("Nom du lieu"), max_length=200)
    place_type = forms.ChoiceField(label=_("Type de lieu"), choices=PlaceType.choices)
    address = forms.CharField(
        label=_("Adresse"),
        help_text=_("Numéro et voie, par exemple : 12 rue de la Paix."),
        max_length=300,
    )
    postcode = forms.CharField(label=_("Code postal"), max_length=5)
    commune_code = forms.CharField(label=_("Commune"), required=False, max_length=5)
    commune_name = forms.CharField(label=_("Nom de la commune"), required=False, max_length=100)
    typed_commune_code = forms.CharField(
        label=_("Code INSEE de la commune"),
        required=False,
        max_length=5,
        help_text=_("5 caractères, par exemple 33063 pour Bordeaux."),
    )
    departement = forms.CharField(
        label=_("Département (code)"),
        required=False,
        max_length=3,
        help_text=_("Par exemple : 33, 2A, 971."),
    )
    region = forms.CharField(
        label=_("Région (code INSEE)"),
        required=False,
        max_length=2,
        help_text=_("Par exemple : 75 pour la Nouvelle-Aquitaine."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        help_text=_("Par exemple : 44.837789"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        help_text=_("Par exemple : -0.579180"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    opening_hours = forms.CharField(
        label=_("Horaires d'ouverture"),
        required=False,
        max_length=500,
        help_text=HOURS_HELP,
    )
    presentation = forms.CharField(
        label=_("Présentation courte"),
        required=False,
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("280 caractères au plus."),
    )
    specific_support = _checkboxes(
        _("Accessibilité et prise en charge spécifique"), SpecificSupport.choices
    )
    publics = _checkboxes(_("Publics spécifiquement accueillis"), Public.choices)
    access_modes = _checkboxes(_("Modalités d'accès"), AccessMode.choices)
    support_modes = _checkboxes(_("Modalités d'accompagnement"), SupportMode.choices)
    phone = forms.CharField(label=_("Téléphone"), required=False, max_length=20)
    email = forms.EmailField(label=_("E-mail de contact"), required=False)
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    booking_url = forms.URLField(
        label=_("Prise de rendez-vous en ligne"), required=False, assume_scheme="https"
    )

    # What review looked at: shown but not changed once the place is qualified.
    REVIEWED = (
        "name",
        "place_type",
        "address",
        "postcode",
        "commune_code",
        "commune_name",
        "typed_commune_code",
        "departement",
        "region",
    )

    def __init__(
        self, *args: Any, communes_for: Any = None, practical_only: bool = False, **kwargs: Any
    ) -> None:
        """`communes_for(postcode)`: the geography's lookup, or None without it.
        `practical_only`: the REVIEWED fields keep their initial values (disabled)."""
        super().__init__(*args, **kwargs)
        self.communes_for = communes_for
        self.practical_only = practical_only
        for name in self.REVIEWED if practical_only else ():
            self.fields[name].disabled = True
        self.commune_choices: list[Any] = []
        postcode = (
            self.data.get("postcode")
            if self.is_bound and not practical_only
            else self.initial.get("postcode")
        )
        if communes_for and postcode and POSTCODE_RE.match(str(postcode).strip()):
            self.commune_choices = communes_for(str(postcode).strip())

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not POSTCODE_RE.match(value):
            raise forms.ValidationError(_("Code postal invalide : 5 chiffres."))
        return value

    def clean_opening_hours(self) -> str:
        value = self.cleaned_data["opening_hours"].strip()
        if value and not opening_hours_ok(value):
            raise forms.ValidationError(
                _("Horaires illisibles. Exemple : %(example)s") % {"example": HOURS_EXAMPLE}
            )
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return _domain_check(normalise_phone, value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "postcode" not in data:
            return data
        if self.commune_choices:
            self._resolve_commune(data)
        else:
            self._typed_commune(data)
        return data

    def _resolve_commune(self, data: dict[str, Any]) -> None:
        by_code = {commune.code: commune for commune in self.commune_choices}
        code = data.get("commune_code") or ""
        if len(by_code) == 1:
            code = next(iter(by_code))
        if code not in by_code:
            self.add_error(
                "commune_code",
                _("Plusieurs communes ont ce code postal : choisissez la vôtre.")
                if not code
                else _("Cette commune n'a pas ce code postal."),
            )
            return
        commune = by_code[code]
        data.update(
            commune_code=commune.code,
            commune_name=commune.name,
            departement=commune.departement_id,
            region=commune.region_id,
            epci_code=commune.epci_id or "",
        )

    def _typed_commune(self, data: dict[str, Any]) -> None:
        typed = {
            "commune_name": data.get("commune_name", "").strip(),
            "typed_commune_code": data.get("typed_commune_code", "").strip().upper(),
            "departement": data.get("departement", "").strip().upper(),
            "region": data.get("region", "").strip(),
        }
        missing = [name for name, value in typed.items() if not value]
        message = (
            _("Ce code postal n'est pas dans notre liste des communes : indiquez la commune.")
            if self.communes_for
            else _("Indiquez la commune.")
        )
        for name in missing:
            self.add_error(name, message)
        if not missing:
            data.update(typed, commune_code=typed["typed_commune_code"], epci_code="")

    def place_fields(self) -> dict[str, Any]:
        """The cleaned values, named as the places services name them; in practical-only mode,
        none of what review looked at (not even as resolved again from the commune list, which
        may name it differently from what is stored: "Paris 1er Arrondissement", an EPCI
        renumbered by a newer COG)."""
        data = dict(self.cleaned_data)
        data.pop("typed_commune_code", None)
        if self.practical_only:
            for name in (*self.REVIEWED, "epci_code"):
                data.pop(name, None)
        return data


class EurosField(forms.DecimalField):
    """An amount in euros, typed "12,50" (the French way) or "12.50"."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.replace(",", ".").replace(" ", "").replace("\u202f", "").replace("€", "")
        return super().to_python(value)


class OfferForm(DsfrForm):
    service = forms.ChoiceField(label=_("Service de la nomenclature"))
    price = EurosField(
        label=_("Prix du service (en euros)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("10000"),
        decimal_places=2,
        help_text=_("Par exemple : 20 ou 12,50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    passes_needed = forms.IntegerField(
        label=_("Nombre de pass demandés"), min_value=1, max_value=50, initial=1
    )
    duration_minutes = forms.IntegerField(
        label=_("Durée (en minutes)"), min_value=5, max_value=1440, initial=60
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=OfferFormat.choices,
        initial=OfferFormat.INDIVIDUAL,
        widget=forms.RadioSelect,
    )
    capacity = forms.IntegerField(
        label=_("Places par atelier"),
        required=False,
        min_value=2,
        max_value=100,
        help_text=_("Pour un atelier collectif seulement : de 2 à 100 personnes."),
    )

    def __init__(self, *args: Any, services: list[Any], **kwargs: Any) -> None:
        """`services`: the nomenclature grouped by family, [(family, [(code, label)])]."""
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("Choisissez un service")), *services]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("format") == OfferFormat.WORKSHOP and not data.get("capacity"):
            self.add_error("capacity", _("Un atelier accueille de 2 à 100 personnes."))
        return data

    def price_cents(self) -> int:
        return int((self.cleaned_data["price"] * 100).to_integral_value())


# --- Review --------------------------------------------------------------------------------------


class DecisionForm(DsfrForm):
    reason = forms.CharField(
        label=_("Motif de la décision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Obligatoire pour demander des modifications, refuser ou suspendre : le demandeur le "
            "reçoit par e-mail."
        ),
    )


class PlaceDecisionForm(DsfrForm):
    reason = forms.CharField(
        label=_("Motif de la décision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Obligatoire pour demander des modifications ou refuser le lieu : le demandeur le "
            "reçoit par e-mail."
        ),
    )
