"""Forms of the ordering pages. They read what a person types (numbers, euros, dates, lists of
codes, an image); every rule of an order is the services' (`orders.validation`), whose refusals
the views put next to the field they name (`service_errors_to_form`)."""

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from passnum.catalogue.models import Service, ServiceFamily
from passnum.core.exceptions import DomainError
from passnum.core.money import format_euros, parse_euros
from passnum.orders.enums import BookletSize, TargetPublic
from passnum.orders.models import MAX_PRINT_TEXT, MAX_TOLERANCE_DAYS, Order
from passnum.orders.validation import MAX_LOGO_BYTES, UsageRules, default_valid_until
from passnum.places.enums import PlaceType
from passnum.www.qualification.forms import DsfrForm

CODES_SPLIT = re.compile(r"[\s,;]+")
MAX_CODES = 1000  # per list, as the API

# The form's field for each argument of the order services their refusals name.
FIELD_OF_ARGUMENT = {"face_value_cents": "face_value"}


def _booklet_help() -> str:
    return gettext("Carnets de 5 pass : pour les commandes d'au moins %(min)s pass.") % {
        "min": settings.PASSNUM_SMALL_BOOKLET_MIN_PASSES
    }


def _tolerance_help() -> str:
    return gettext(
        "Jours pendant lesquels les pass restent acceptés après la fin de validité : de 0 à "
        "%(max)s (%(default)s par défaut)."
    ) % {"max": MAX_TOLERANCE_DAYS, "default": settings.PASSNUM_VALIDITY_TOLERANCE_DAYS}


def _print_text_help() -> str:
    return gettext(
        "%(max)s caractères au plus, sur plusieurs lignes si besoin : par exemple un mot du "
        "financeur et un contact."
    ) % {"max": MAX_PRINT_TEXT}


def _face_value_initial() -> str:
    return format_euros(settings.PASSNUM_FACE_VALUE_CENTS).removesuffix("\u00a0€")


class CodesInput(forms.TextInput):
    """One text field; a query string may also repeat it (`?departements=33&departements=42`)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            return ", ".join(value for value in data.getlist(name) if isinstance(value, str))
        return super().value_from_datadict(data, files, name)


class CodesField(forms.CharField):
    """Codes typed in one field, separated by spaces, commas or semicolons: a sorted list."""

    widget = CodesInput

    def __init__(self, *args: Any, upper: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20_000)
        super().__init__(*args, **kwargs)
        self.upper = upper

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        codes = sorted(
            {code.upper() if self.upper else code for code in CODES_SPLIT.split(text or "") if code}
        )
        if len(codes) > MAX_CODES:
            raise forms.ValidationError(
                _("%(max)s codes au plus par liste."), params={"max": MAX_CODES}
            )
        return codes


class EurosField(forms.CharField):
    """An amount typed in euros ("1 234,56") as exact cents."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_euros(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Montant en euros attendu, par exemple 1 234,56."), code="invalid"
            ) from exc


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def service_choices() -> list[tuple[str, str]]:
    return [
        (service.code, f"{service.label} ({service.code})")
        for service in Service.objects.filter(is_active=True)
        .select_related("family")
        .order_by("family__name", "level", "code")
    ]


class OrderForm(DsfrForm):
    """A new order or a draft: what it buys, where and for what its passes pay, what it prints."""

    label = forms.CharField(
        label=_("Libellé"),
        help_text=_("Pour retrouver la commande, par exemple « Médiathèques 2027 »."),
        required=False,
    )
    quantity = forms.IntegerField(
        label=_("Nombre de pass"),
        help_text=_("En carnets complets : un multiple du nombre de pass par carnet."),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    booklet_size = forms.TypedChoiceField(
        label=_("Pass par carnet"),
        help_text=lazy(_booklet_help, str)(),
        choices=[(BookletSize.TEN, _("10 pass")), (BookletSize.FIVE, _("5 pass"))],
        coerce=int,
        initial=BookletSize.TEN,
        widget=forms.RadioSelect,
    )
    face_value = EurosField(
        label=_("Valeur d'un pass, en euros"),
        help_text=_("Par exemple 10,00."),
        initial=lazy(_face_value_initial, str)(),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    valid_until = forms.DateField(
        label=_("Fin de validité des pass"),
        help_text=_(
            "Par défaut le 31 décembre de cette année (de l'année suivante pour une commande "
            "passée à partir d'octobre) ; 5 ans au plus."
        ),
        initial=default_valid_until,
        widget=DateInput(),
    )
    tolerance_days = forms.IntegerField(
        label=_("Tolérance, en jours"),
        help_text=lazy(_tolerance_help, str)(),
        initial=lambda: settings.PASSNUM_VALIDITY_TOLERANCE_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    communes = CodesField(
        label=_("Communes (codes INSEE)"), help_text=_("Par exemple 33063, 33318.")
    )
    epcis = CodesField(
        label=_("Intercommunalités, EPCI (SIREN)"), help_text=_("Par exemple 243300316.")
    )
    departements = CodesField(label=_("Départements"), help_text=_("Par exemple 33, 2A, 971."))
    regions = CodesField(label=_("Régions (codes INSEE)"), help_text=_("Par exemple 75."))
    place_types = forms.MultipleChoiceField(
        label=_("Types de lieux permis"),
        help_text=_("Aucun coché : tous les types de lieux qualifiés."),
        choices=PlaceType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    families = forms.MultipleChoiceField(
        label=_("Familles de services permises"),
        help_text=_(
            "Aucune cochée, ni aucun service ci-dessous : tous les services de la nomenclature."
        ),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.MultipleChoiceField(
        label=_("Services permis, un par un"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    usable_from = forms.DateField(
        label=_("Utilisables à partir du"), required=False, widget=DateInput()
    )
    usable_until = forms.DateField(
        label=_("Utilisables jusqu'au"), required=False, widget=DateInput()
    )
    target_publics = forms.MultipleChoiceField(
        label=_("Publics visés"),
        help_text=_("Pour les aiguilleurs qui remettent les carnets."),
        choices=TargetPublic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    print_text = forms.CharField(
        label=_("Texte imprimé sur la couverture des carnets"),
        help_text=lazy(_print_text_help, str)(),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_PRINT_TEXT}),
    )
    logo = forms.FileField(
        label=_("Logo imprimé sur la couverture"),
        help_text=_("Image PNG ou JPEG, 1 Mo au plus."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Retirer le logo actuel"), required=False)

    def __init__(self, *args: Any, order: Order | None = None, **kwargs: Any) -> None:
        if order is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(order)
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["families"].choices = [  # type: ignore[attr-defined]
            (family.code, family.label) for family in ServiceFamily.objects.order_by("name")
        ]
        self.fields["services"].choices = service_choices()  # type: ignore[attr-defined]
        self.fields["logo"].widget = forms.FileInput(attrs={"accept": "image/png,image/jpeg"})
        self.fields["logo"].widget.attrs["class"] = "fr-upload"
        if order is None or not order.logo:
            del self.fields["remove_logo"]

    def clean_print_text(self) -> str:
        """Browsers send line breaks as CR LF: one LF each, as the covers print them."""
        return self.cleaned_data.get("print_text", "").replace("\r\n", "\n")

    def clean_logo(self) -> bytes | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if (upload.size or 0) > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("Le logo dépasse 1 Mo."))
        return upload.read()

    def service_groups(self) -> list[tuple[ServiceFamily, list[Any]]]:
        """The services' checkboxes by family, for the template."""
        by_code = {choice.data["value"]: choice for choice in self["services"]}
        families = {family.code: family for family in ServiceFamily.objects.all()}
        groups: dict[str, list[Any]] = {}
        for service in Service.objects.filter(is_active=True).values("code", "family__code"):
            if service["code"] in by_code:
                groups.setdefault(service["family__code"], []).append(by_code[service["code"]])
        return [
            (families[code], sorted(choices, key=lambda c: c.data["index"]))
            for code, choices in sorted(groups.items(), key=lambda item: families[item[0]].name)
        ]

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments of the order services from the cleaned data."""
        data = self.cleaned_data
        return {
            "quantity": data["quantity"],
            "booklet_size": data["booklet_size"],
            "face_value_cents": data["face_value"],
            "valid_until": data["valid_until"],
            "tolerance_days": data["tolerance_days"],
            "label": data["label"],
            "print_text": data["print_text"],
            "logo": data["logo"],
            "rules": rules_of(data),
        }


def rules_of(data: dict[str, Any]) -> UsageRules:
    return UsageRules(
        communes=data.get("communes") or (),
        epcis=data.get("epcis") or (),
        departements=data.get("departements") or (),
        regions=data.get("regions") or (),
        place_types=data.get("place_types") or (),
        families=data.get("families") or (),
        services=data.get("services") or (),
        usable_from=data.get("usable_from"),
        usable_until=data.get("usable_until"),
        target_publics=data.get("target_publics") or (),
    )


def initial_of(order: Order) -> dict[str, Any]:
    return {
        "label": order.label,
        "quantity": order.quantity,
        "booklet_size": order.booklet_size,
        "face_value": format_euros(order.face_value_cents).removesuffix("\u00a0€"),
        "valid_until": order.valid_until,
        "tolerance_days": order.tolerance_days,
        "communes": order.perimeter_communes,
        "epcis": order.perimeter_epcis,
        "departements": order.perimeter_departements,
        "regions": order.perimeter_regions,
        "place_types": order.allowed_place_types,
        "families": order.allowed_families,
        "services": order.allowed_services,
        "usable_from": order.usable_from,
        "usable_until": order.usable_until,
        "target_publics": order.target_publics,
        "print_text": order.print_text,
    }


class RulesForm(forms.Form):
    """The usage rules alone, read from a query string: the live count of the places."""

    communes = CodesField()
    epcis = CodesField()
    departements = CodesField()
    regions = CodesField()
    place_types = forms.MultipleChoiceField(choices=PlaceType.choices, required=False)
    families = CodesField(upper=False)
    services = CodesField()


class PrintContentForm(DsfrForm):
    """The covers' text and logo of an accepted order, until its proof is approved."""

    print_text = OrderForm.base_fields["print_text"]
    logo = forms.FileField(
        label=_("Nouveau logo"),
        help_text=_("Image PNG ou JPEG, 1 Mo au plus."),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Retirer le logo actuel"), required=False)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"print_text": order.print_text})
        super().__init__(*args, **kwargs)
        if not order.logo:
            del self.fields["remove_logo"]

    clean_print_text = OrderForm.clean_print_text
    clean_logo = OrderForm.clean_logo


class PaymentForm(DsfrForm):
    """Money received for an order, in euros as typed on a bank statement."""

    amount = EurosField(
        label=_("Montant reçu, en euros"),
        help_text=_("Par exemple 1 234,56. Les paiements partiels s'additionnent."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reference = forms.CharField(
        label=_("Référence du virement ou du mandat"),
        max_length=Order._meta.get_field("payment_reference").max_length,
    )
    received_on = forms.DateField(label=_("Reçu le"), widget=DateInput())

    def clean_amount(self) -> int:
        amount = self.cleaned_data.get("amount")
        if amount is None or amount < 1:
            raise forms.ValidationError(_("Le montant d'un paiement doit être positif."))
        return amount

    def clean_received_on(self) -> Any:
        received_on = self.cleaned_data.get("received_on")
        if received_on is not None and received_on > timezone.localdate():
            raise forms.ValidationError(_("Un paiement ne peut pas être reçu dans le futur."))
        return received_on


def service_errors_to_form(form: forms.Form, error: DomainError) -> None:
    """Each refusal of an order service next to the field it names (else above the form)."""
    details = error.details or [{"field": getattr(error, "field", ""), "message": str(error)}]
    for detail in details:
        name = FIELD_OF_ARGUMENT.get(detail.get("field") or "", detail.get("field") or "")
        form.add_error(name if name in form.fields else None, detail["message"])
