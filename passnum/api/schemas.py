import datetime

from ninja import Field, Schema


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
    place_id: int = Field(..., strict=True)
    service: str = Field(..., description="Code du service de la nomenclature", examples=["MES-01"])
    price_cents: int = Field(
        ..., strict=True, description="Prix du service rendu, en centimes", gt=0, le=1_000_000
    )
    codes: list[str] = Field(
        ..., min_length=1, max_length=50, description="Codes scannés ou saisis, avec ou sans tirets"
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


class OrderIn(Schema):
    quantity: int = Field(..., gt=0, strict=True)
    booklet_size: int = 10
    face_value_cents: int | None = None
    valid_until: datetime.date | None = None
    label: str = ""
    rules: UsageRulesSchema = UsageRulesSchema()


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
    amount_cents: int = Field(..., gt=0, description="Montant reçu, en centimes")
    reference: str = Field(
        ..., min_length=1, max_length=100, description="Référence du virement ou du mandat"
    )


class SerialRangeIn(Schema):
    serial_first: int = Field(..., ge=1)
    serial_last: int = Field(..., ge=1)
    reason: str = Field(..., min_length=3, max_length=500)


class CountOut(Schema):
    count: int
