from typing import Any

from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError


class InvalidOrder(DomainError):
    """A refused order. `field` names the argument of the service at fault (`quantity`,
    `communes`, `logo`…); when several are wrong, `details` lists each one as
    `{"code", "field", "message"}` and the message is the first one's."""

    code = "invalid_order"
    http_status = 400
    default_message = _("La commande est invalide.")

    def __init__(self, message: Any = None, *, field: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field

    @classmethod
    def of(cls, errors: "list[InvalidOrder]") -> "InvalidOrder":
        """One error for several: the first one's message, every one in `details`."""
        first = errors[0]
        combined = cls(first.message, field=first.field, **first.params)
        combined.details = [
            {"code": error.code, "field": error.field or None, "message": str(error)}
            for error in errors
        ]
        return combined


class PaymentMismatch(DomainError):
    code = "payment_amount_mismatch"
    http_status = 400
    default_message = _(
        "Le montant reçu (%(received)s) ne correspond pas au total à payer (%(due)s)."
    )


class AlreadyIssued(Conflict):
    code = "already_issued"
    default_message = _("Les pass de cette commande ont déjà été émis.")


class InvalidPayment(DomainError):
    code = "invalid_payment"
    http_status = 400
    default_message = _("Le montant d'un paiement doit être positif.")


class Overpayment(PaymentMismatch):
    code = "overpayment"
    http_status = 400
    default_message = _(
        "Ce paiement (%(received)s) dépasse le reste à payer de la commande %(reference)s "
        "(%(remaining)s) : rien n'a été enregistré."
    )


class NotInvoiceable(Conflict):
    code = "not_invoiceable"
    default_message = _("Cette commande ne peut pas être facturée.")


class CreditNoteRefused(Conflict):
    code = "credit_note_refused"
    default_message = _("Cet avoir ne peut pas être émis.")


class NotADraft(Conflict):
    code = "not_a_draft"
    default_message = _(
        "La commande %(reference)s n'est plus un brouillon (« %(status)s ») : elle ne peut plus "
        "être modifiée ni supprimée."
    )


class PaymentsReceived(Conflict):
    code = "payments_received"
    default_message = _(
        "La commande %(reference)s a déjà reçu %(received)s : elle ne peut pas être annulée. "
        "Contactez l'équipe de l'opérateur pour un remboursement."
    )


class ProofNotReady(Conflict):
    code = "proof_not_generated"
    default_message = _(
        "Aucune épreuve à jour n'a été générée pour la commande %(reference)s : générez-la, "
        "relisez-la, puis approuvez-la."
    )


class ProofNotApproved(Conflict):
    code = "proof_not_approved"
    default_message = _(
        "L'épreuve de la commande %(reference)s n'est pas encore approuvée : les carnets "
        "s'impriment une fois l'épreuve approuvée."
    )


class ProofAlreadyApproved(Conflict):
    code = "proof_already_approved"
    default_message = _(
        "L'épreuve de la commande %(reference)s est approuvée : le texte et le logo imprimés ne "
        "changent plus."
    )


class ConfirmationRefused(DomainError):
    code = "confirmation_refused"
    http_status = 409
    default_message = _(
        "La fin de validité de la commande %(reference)s se confirme du %(date)s au %(last)s."
    )
