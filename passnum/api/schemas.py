import datetime
from typing import Annotated, Literal, Self

from ninja import Field, Schema
from pydantic import field_validator, model_validator
from pydantic_core import PydanticCustomError

from passnum.api.types import MultilineText, PositiveInt64, Text
from passnum.orders.services import latest_valid_until

# A code as typed or scanned (15 characters, with or without dashes or spaces).
PassCodeText = Annotated[Text, Field(min_length=1, max_length=64)]
# A code of the nomenclature, of a place type, of an area…
CodeText = Annotated[Text, Field(min_length=1, max_length=40)]


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    pass_code: str | None = Field(None, alias="pass")


class ErrorInfo(Schema):
    code: str = Field(..., examples=["redemption_refused"])
    message: str
    details: list[ErrorDetail] = []


class Error(Schema):
    error: ErrorInfo


class Refusal(Schema):
    code: str = Field(..., examples=["already_redeemed"])
    message: str


class PassOut(Schema):
    code: str = Field(..., description="Code lisible, groupé (XXXXX-XXXXX-XXXXX)")
    known: bool
    status: str | None = Field(None, description="inactive, active, redeemed, blocked, expired")
    face_value_cents: int | None = None
    expires_on: datetime.date | None = None
    usable: bool = Field(..., description="Utilisable ici et maintenant (selon lieu et service)")
    refusals: list[Refusal] = []


class RedemptionIn(Schema):
    place_id: PositiveInt64 = Field(..., strict=True)
    service: Text = Field(
        ...,
        min_length=1,
        max_length=50,
        description="Code du service de la nomenclature",
        examples=["MES-01"],
    )
    price_cents: int = Field(
        ..., strict=True, description="Prix du service rendu, en centimes", gt=0, le=1_000_000
    )
    codes: list[PassCodeText] = Field(
        ...,
        min_length=1,
        max_length=50,
        description="Codes scannés ou saisis, avec ou sans tirets (50 au plus)",
    )


class RedeemedPass(Schema):
    code: str
    serial: int
    face_value_cents: int


class RedemptionOut(Schema):
    id: int
    place_id: int
    service: str
    price_cents: int
    amount_cents: int = Field(..., description="Valeur des pass utilisés")
    complement_cents: int = Field(..., description="Reste payé directement par la personne")
    created_at: datetime.datetime
    undo_until: datetime.datetime
    undone_at: datetime.datetime | None = None
    passes: list[RedeemedPass]


class UsageRulesSchema(Schema):
    """Règles d'utilisation d'une commande."""

    communes: list[str] = []
    epcis: list[str] = []
    departements: list[str] = []
    regions: list[str] = []
    place_types: list[str] = []
    families: list[str] = []
    services: list[str] = []
    usable_from: datetime.date | None = None
    usable_until: datetime.date | None = None
    target_publics: list[str] = []


MAX_RULE_VALUES = 1000


class UsageRulesIn(Schema):
    """Règles d'utilisation d'une nouvelle commande : 1 000 codes au plus par liste."""

    communes: list[CodeText] = Field(
        default=[], max_length=MAX_RULE_VALUES, description="Codes INSEE"
    )
    epcis: list[CodeText] = Field(
        default=[], max_length=MAX_RULE_VALUES, description="SIREN des EPCI"
    )
    departements: list[CodeText] = Field(default=[], max_length=MAX_RULE_VALUES)
    regions: list[CodeText] = Field(default=[], max_length=MAX_RULE_VALUES)
    place_types: list[CodeText] = Field(default=[], max_length=MAX_RULE_VALUES)
    families: list[CodeText] = Field(default=[], max_length=MAX_RULE_VALUES)
    services: list[CodeText] = Field(default=[], max_length=MAX_RULE_VALUES)
    usable_from: datetime.date | None = None
    usable_until: datetime.date | None = None
    target_publics: list[CodeText] = Field(default=[], max_length=MAX_RULE_VALUES)


class OrderIn(Schema):
    quantity: PositiveInt64 = Field(..., strict=True)
    booklet_size: Literal[5, 10] = Field(10, description="Pass par carnet : 5 ou 10")
    face_value_cents: int | None = Field(
        None, ge=1, le=100_000, description="Valeur faciale d'un pass, en centimes"
    )
    valid_until: datetime.date | None = Field(
        None,
        description=(
            "Fin de validité des pass : ni dans le passé, ni plus de 5 ans après aujourd'hui "
            "(par défaut le 31 décembre de l'année)"
        ),
    )
    label: Text = Field("", max_length=200)
    rules: UsageRulesIn = UsageRulesIn()
    draft: bool = Field(
        False,
        description=(
            "true : un brouillon (modifiable, supprimable, sans facture ni pass) ; false (par "
            "défaut) : le devis est accepté aussitôt, la commande attend son paiement avec sa "
            "facture émise et ses pass émis (inactifs)"
        ),
    )

    @field_validator("valid_until")
    @classmethod
    def _validity_in_range(cls, value: datetime.date | None) -> datetime.date | None:
        if value is not None and value > latest_valid_until():
            raise PydanticCustomError(
                "date_too_late",
                "Date should be on or before {max}",
                {"max": latest_valid_until().isoformat()},
            )
        return value


class OrderOut(Schema):
    id: int
    reference: str
    sponsor: str
    label: str
    status: str
    quantity: int
    booklet_size: int
    face_value_cents: int
    face_total_cents: int
    upstream_fee_cents: int
    upstream_vat_cents: int
    total_due_cents: int
    amount_received_cents: int = Field(..., description="Reçu jusqu'ici (paiements partiels)")
    invoice_number: str = Field(..., description="Numéro de la facture (vide pour un brouillon)")
    valid_until: datetime.date
    expires_on: datetime.date
    issued: bool
    rules: UsageRulesSchema


class PlaceOut(Schema):
    id: int
    name: str
    commune: str
    postcode: str
    place_type: str
    qualified: bool


class PaymentIn(Schema):
    amount_cents: PositiveInt64 = Field(..., description="Montant reçu, en centimes")
    reference: Text = Field(
        ..., min_length=1, max_length=100, description="Référence du virement ou du mandat"
    )


class SerialRangeIn(Schema):
    """Une plage de numéros de série, `serial_first` ≤ `serial_last`."""

    serial_first: PositiveInt64 = Field(..., description="Premier numéro de série (≤ serial_last)")
    serial_last: PositiveInt64 = Field(..., description="Dernier numéro de série (≥ serial_first)")
    reason: MultilineText = Field(..., min_length=3, max_length=500)

    @model_validator(mode="after")
    def _first_before_last(self) -> Self:
        if self.serial_first > self.serial_last:
            raise PydanticCustomError(
                "serial_range", "serial_first should be less than or equal to serial_last"
            )
        return self


class CountOut(Schema):
    count: int
