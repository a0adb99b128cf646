from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import DomainError, PermissionDenied


class NotAMember(PermissionDenied):
    code = "not_a_member"
    default_message = _("Vous n'êtes pas membre de cette organisation.")


class WrongOrganisationKind(PermissionDenied):
    code = "wrong_organisation_kind"
    default_message = _("Cette opération est réservée à un autre type d'organisation.")


class InvalidToken(DomainError):
    code = "invalid_token"
    http_status = 401
    default_message = _("Jeton d'API absent, invalide ou révoqué.")
