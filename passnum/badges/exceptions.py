from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError


class BadgeNotPossible(DomainError):
    code = "badge_not_possible"
    http_status = 400
    default_message = _("Ce badge ne peut pas être attribué.")


class BadgeAlreadyAwarded(Conflict):
    code = "badge_already_awarded"
    default_message = _("Ce badge a déjà été attribué pour cet accompagnement.")


class BadgeAlreadyRevoked(Conflict):
    code = "badge_already_revoked"
    default_message = _("Ce badge a déjà été retiré.")


class BadgeAlreadyNamed(Conflict):
    code = "badge_already_named"
    default_message = _("Un nom figure déjà sur ce badge.")
