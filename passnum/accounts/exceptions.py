from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)


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


# --- Members and invitations ---------------------------------------------------------------------


class NotAnAdmin(PermissionDenied):
    code = "not_an_admin"
    default_message = _(
        "Seuls les administrateurs de l'organisation peuvent faire cette opération."
    )


class InvalidEmail(InvalidInput):
    code = "invalid_email"
    default_message = _("Cette adresse e-mail n'est pas valide.")


class InvalidRole(InvalidInput):
    code = "invalid_role"
    default_message = _("Ce rôle n'existe pas.")


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = _("%(email)s est déjà membre de %(organisation)s.")


class LastAdmin(Conflict):
    code = "last_admin"
    default_message = _(
        "L'organisation doit garder au moins un administrateur : nommez-en un autre d'abord."
    )


class InvitationConflict(Conflict):
    code = "invitation_conflict"
    default_message = _(
        "Une autre invitation vient d'être envoyée à cette adresse au même moment : "
        "rechargez la page."
    )


class UnknownInvitation(NotFound):
    code = "invitation_unknown"
    default_message = _(
        "Cette invitation est introuvable. Vérifiez que le lien reçu par e-mail est complet."
    )


class InvitationNotUsable(DomainError):
    """An invitation that exists but can no longer be accepted."""

    code = "invitation_not_usable"
    http_status = 410


class InvitationExpired(InvitationNotUsable):
    code = "invitation_expired"
    default_message = _(
        "Cette invitation a expiré le %(date)s. Demandez à un administrateur de l'organisation "
        "de vous inviter à nouveau."
    )


class InvitationRevoked(InvitationNotUsable):
    code = "invitation_revoked"
    default_message = _(
        "Cette invitation a été annulée par l'organisation. Si vous pensez que c'est une erreur, "
        "contactez la personne qui vous avait invité."
    )


class InvitationAlreadyAccepted(InvitationNotUsable):
    code = "invitation_already_accepted"
    default_message = _(
        "Cette invitation a déjà été acceptée. Connectez-vous pour agir pour l'organisation."
    )


class InvitationForAnotherEmail(PermissionDenied):
    code = "invitation_wrong_email"
    default_message = _(
        "Cette invitation est adressée à %(invited)s, mais vous êtes connecté avec %(email)s. "
        "Déconnectez-vous, puis ouvrez à nouveau le lien de l'invitation."
    )


class AccountExists(Conflict):
    code = "account_exists"
    default_message = _(
        "Un compte existe déjà avec l'adresse %(email)s : connectez-vous pour accepter "
        "l'invitation."
    )


class InvalidPassword(InvalidInput):
    code = "invalid_password"
    default_message = _("Ce mot de passe n'est pas assez sûr.")


# --- Sponsors and their distributors -------------------------------------------------------------


class InvalidOrganisation(InvalidInput):
    code = "invalid_organisation"
    default_message = _("Les informations de l'organisation sont invalides.")


class UnknownDistributor(NotFound):
    code = "unknown_distributor"
    default_message = _(
        "Aucun distributeur n'est inscrit avec le SIREN %(siren)s. Créez-le et invitez son "
        "administrateur."
    )


class AmbiguousDistributor(Conflict):
    code = "ambiguous_distributor"
    default_message = _(
        "Plusieurs distributeurs sont inscrits avec le SIREN %(siren)s : demandez à "
        "l'opérateur de vous relier au bon."
    )


class DistributorExists(Conflict):
    code = "distributor_exists"
    default_message = _(
        "Un distributeur est déjà inscrit avec le SIREN %(siren)s (%(name)s) : reliez-le "
        "plutôt que d'en créer un autre."
    )


class AlreadyPartner(Conflict):
    code = "already_partner"
    default_message = _("%(name)s est déjà l'un de vos distributeurs.")


class DistributorHasAdmin(Conflict):
    code = "distributor_has_admin"
    default_message = _(
        "%(name)s a déjà un administrateur : c'est lui qui invite les autres membres."
    )
