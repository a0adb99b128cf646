from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError


class InvalidOrder(DomainError):
    code = "invalid_order"
    http_status = 400
    default_message = _("La commande est invalide.")


class PaymentMismatch(DomainError):
    code = "payment_amount_mismatch"
    http_status = 400
    default_message = _(
        "Le montant reçu (%(received)s) ne correspond pas au total à payer (%(due)s)."
    )


class AlreadyIssued(Conflict):
    code = "already_issued"
    default_message = _("Les pass de cette commande ont déjà été émis.")
