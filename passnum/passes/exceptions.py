from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError, InvalidInput, NotFound


class NoPassesChanged(Conflict):
    code = "no_passes_changed"
    default_message = _("Aucun pass de cette plage ne pouvait changer d'état.")


class InvalidRange(DomainError):
    code = "invalid_serial_range"
    http_status = 400
    default_message = _("Plage de numéros de série invalide (au plus %(max)s pass à la fois).")


class CodeCollision(Conflict):
    code = "code_collision"
    default_message = _("Collision de codes lors de l'émission : relancez l'émission.")


class NotYetExpired(Conflict):
    code = "not_yet_expired"
    default_message = _("Les pass de cette commande sont encore valables jusqu'au %(date)s.")


# --- Distribution: assignment, hand-outs, reissue ----------------------------------------------


class NotDistributable(Conflict):
    code = "order_not_distributable"
    default_message = _(
        "Les carnets de la commande %(reference)s ne peuvent pas être distribués : elle doit être "
        "payée et ses pass émis."
    )


class DistributionStopped(Conflict):
    code = "distribution_stopped"
    default_message = _(
        "La distribution des carnets de la commande %(reference)s s'est arrêtée le %(date)s "
        "(%(days)s jours avant la fin de validité)."
    )


class InvalidBookletRange(InvalidInput):
    code = "invalid_booklet_range"
    default_message = _("Plage de carnets invalide.")


class BookletsNotInStock(Conflict):
    code = "booklets_not_in_stock"
    default_message = _(
        "%(count)s carnet(s) de cette plage ne sont pas dans le stock de la commande "
        "(déjà attribués) : rien n'a été attribué."
    )


class NotEnoughStock(Conflict):
    code = "not_enough_stock"
    default_message = _(
        "Il ne reste que %(available)s carnet(s) en stock pour cette commande : rien n'a été "
        "attribué."
    )


class BookletsHandedOut(Conflict):
    code = "booklets_handed_out"
    default_message = _(
        "%(count)s carnet(s) de cette plage ont déjà été remis à des bénéficiaires "
        "(n° %(numbers)s) : rien n'a été repris."
    )


class NothingToWithdraw(Conflict):
    code = "nothing_to_withdraw"
    default_message = _("Aucun carnet de cette plage n'est chez un distributeur.")


class BookletNotHeld(NotFound):
    code = "booklet_not_held"
    default_message = _("Le carnet n° %(number)s n'est pas dans votre stock.")


class HandOutRefused(DomainError):
    """A hand-out that breaks a rule; `details` holds one {line, booklet, code, message} per
    refused booklet."""

    code = "handout_refused"
    http_status = 400
    default_message = _("La remise n'est pas enregistrée.")


class UnreadableFile(InvalidInput):
    code = "unreadable_file"
    default_message = _("Le fichier ne peut pas être lu.")
