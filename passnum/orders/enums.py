from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    AWAITING_PAYMENT = "awaiting_payment", _("En attente de paiement")
    PAID = "paid", _("Payée")
    CANCELLED = "cancelled", _("Annulée")
    CLOSED = "closed", _("Clôturée")


# A draft is the only order that can still be changed or deleted (deleting is not a transition:
# the row goes, PostgreSQL refuses it for any other status). Accepting its quote moves it on.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.DRAFT: {OrderStatus.AWAITING_PAYMENT},
    OrderStatus.AWAITING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.CLOSED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.CLOSED: set(),
}


class BookletSize(models.IntegerChoices):
    FIVE = 5, _("5 pass")
    TEN = 10, _("10 pass")


class TargetPublic(models.TextChoices):
    JOB_SEEKER = "job_seeker", _("Demandeur d'emploi")
    YOUNG = "young_16_25", _("Jeune de 16 à 25 ans")
    SENIOR = "senior", _("Senior")
    RSA = "rsa", _("Allocataire du RSA")
    FAMILY = "family", _("Famille")
    DISABILITY = "disability", _("Personne en situation de handicap")
    ALL = "all", _("Tous publics")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Facture")
    CREDIT_NOTE = "credit_note", _("Avoir")


class Milestone(models.TextChoices):
    """The steps of an order's end of validity (SPEC §3.7, `orders/timeline.py`), in order."""

    ALERTED = "alerted", _("Alerte de fin de validité (J-30)")
    DISTRIBUTION_STOPPED = "distribution_stopped", _("Fin de la distribution (J-15)")
    CONFIRMATION_ASKED = "confirmation_asked", _("Confirmation demandée (J-7)")
    CONFIRMED = "confirmed", _("Fin de validité confirmée par le commanditaire")
    EXPIRED = "expired", _("Pass non utilisés expirés")
    CREDITED = "credited", _("Avoir émis (J+37)")
