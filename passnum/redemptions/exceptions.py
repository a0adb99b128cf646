from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError


class RedemptionRefused(DomainError):
    """Nothing was redeemed; `details` gives a reason per pass (or for the whole request)."""

    code = "redemption_refused"
    http_status = 422
    default_message = _("Paiement refusé : aucun pass n'a été utilisé.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = _(
        "Cette clé d'idempotence a déjà servi pour une autre demande : utilisez-en une nouvelle."
    )


class UndoTooLate(Conflict):
    code = "undo_too_late"
    default_message = _("Une utilisation ne peut être annulée que dans les %(minutes)s minutes.")


class AlreadyUndone(Conflict):
    code = "already_undone"
    default_message = _("Cette utilisation a déjà été annulée.")
