from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError


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
