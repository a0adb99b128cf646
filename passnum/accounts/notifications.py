"""E-mails about members, sent after commit (console backend in development)."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from passnum.accounts.models import Invitation


def invitation_url(secret: str) -> str:
    """The absolute link of an invitation, on the instance's public address (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + reverse("invitation", args=[secret])


def send_invitation(*, invitation_id: int, secret: str) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_id
    )
    organisation = invitation.organisation
    with translation.override(settings.LANGUAGE_CODE):
        inviter = invitation.invited_by
        params = {
            "inviter": (inviter.get_full_name() or inviter.email) if inviter else "passnum",
            "organisation": organisation.name,
            "kind": organisation.get_kind_display(),
            "role": invitation.get_role_display(),
            "expires": formats.date_format(
                timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"
            ),
            "link": invitation_url(secret),
        }
        subject = _("%(inviter)s vous invite à rejoindre %(organisation)s sur passnum") % params
        body = (
            _(
                "Bonjour,\n\n"
                "%(inviter)s vous invite à rejoindre %(organisation)s (%(kind)s) sur passnum, "
                "le pass numérique, avec le rôle « %(role)s ».\n\n"
                "Pour accepter, ouvrez ce lien avant le %(expires)s :\n"
                "%(link)s\n\n"
                "Si vous n'avez pas encore de compte, vous le créerez sur cette page, avec "
                "cette adresse e-mail.\n\n"
                "Vous ne vous attendiez pas à cette invitation ? Ignorez ce message : sans "
                "réponse, elle expirera d'elle-même."
            )
            % params
        )
    send_mail(subject, body, None, [invitation.email])
