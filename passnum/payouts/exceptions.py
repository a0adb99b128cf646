from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError, InvalidInput


class InvalidPeriod(InvalidInput):
    code = "invalid_payout_period"
    default_message = _(
        "Période de paiement invalide : la fin doit suivre le début et être passée."
    )


class PayoutRaced(Conflict):
    """Another run, or an undo, changed the redemptions while this run was being prepared."""

    code = "payout_run_conflict"
    default_message = _(
        "Un autre paiement ou une annulation a eu lieu pendant la préparation : relancez le "
        "paiement."
    )


class NoOperatorMember(DomainError):
    code = "no_operator_member"
    default_message = _("Aucun membre de l'opérateur ne peut lancer le paiement : %(detail)s")


class InvalidSepaFile(DomainError):
    """The SEPA file failed a check (an IBAN checksum, the XSD): it is never handed out."""

    code = "invalid_sepa_file"
    http_status = 500
    default_message = _("Le fichier de virements SEPA est invalide : %(detail)s")
