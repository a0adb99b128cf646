"""E-mails about qualification files, sent after commit (console backend in development)."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Membership
from passnum.places.models import FileTransition, ProviderFile


def notify_reviewers_of_submission(file_id: int) -> None:
    file = ProviderFile.objects.select_related("organisation").get(pk=file_id)
    departements = set(file.organisation.places.values_list("departement", flat=True))
    reviewers = Membership.objects.filter(organisation__kind=OrganisationKind.OPERATOR)
    hubs = Membership.objects.filter(organisation__kind=OrganisationKind.HUB)
    emails = {m.user.email for m in reviewers.select_related("user")}
    emails |= {
        m.user.email
        for m in hubs.select_related("user", "organisation")
        if departements & set(m.organisation.territory or [])
    }
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            sorted(emails),
            _("Dossier de qualification à examiner : %(name)s") % {"name": file.organisation.name},
            _("Le dossier de %(name)s vient d'être soumis. Il attend votre examen.")
            % {"name": file.organisation.name},
        )


def notify_applicant(transition_id: int) -> None:
    transition = FileTransition.objects.select_related("file__organisation").get(pk=transition_id)
    organisation = transition.file.organisation
    emails = sorted(
        Membership.objects.filter(organisation=organisation).values_list("user__email", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        status = transition.file.get_status_display()
        body = _("Votre dossier de qualification est maintenant : %(status)s.") % {"status": status}
        if transition.reason:
            body += "\n\n" + _("Message de l'équipe qui l'a examiné :") + "\n" + transition.reason
        _send(emails, _("Votre dossier de qualification : %(status)s") % {"status": status}, body)


def _send(recipients: list[str], subject: str, body: str) -> None:
    if recipients:
        send_mail(subject, body, None, recipients)
