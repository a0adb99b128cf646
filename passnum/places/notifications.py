"""E-mails about qualification files and places reviewed alone, sent after commit (console
backend in development)."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Membership, Organisation
from passnum.places.models import FileTransition, Place, PlaceTransition, ProviderFile


def notify_reviewers_of_submission(file_id: int) -> None:
    file = ProviderFile.objects.select_related("organisation").get(pk=file_id)
    departements = set(file.organisation.places.values_list("departement", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            _reviewers(departements),
            _("Dossier de qualification à examiner : %(name)s") % {"name": file.organisation.name},
            _("Le dossier de %(name)s vient d'être soumis. Il attend votre examen.")
            % {"name": file.organisation.name},
        )


def notify_applicant(transition_id: int) -> None:
    transition = FileTransition.objects.select_related("file__organisation").get(pk=transition_id)
    with translation.override(settings.LANGUAGE_CODE):
        status = transition.file.get_status_display()
        body = _("Votre dossier de qualification est maintenant : %(status)s.") % {"status": status}
        if transition.reason:
            body += "\n\n" + _("Message de l'équipe qui l'a examiné :") + "\n" + transition.reason
        _send(
            _members(transition.file.organisation),
            _("Votre dossier de qualification : %(status)s") % {"status": status},
            body,
        )


def notify_reviewers_of_place(place_id: int) -> None:
    """A place added after the qualification is submitted alone: operator staff and the hubs
    of its département are told."""
    place = Place.objects.select_related("organisation").get(pk=place_id)
    names = {"place": place.name, "commune": place.commune_name, "name": place.organisation.name}
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            _reviewers({place.departement}),
            _("Lieu à examiner : %(place)s (%(commune)s)") % names,
            _(
                "%(name)s, structure déjà qualifiée, soumet un nouveau lieu : %(place)s "
                "(%(commune)s). Il attend votre examen."
            )
            % names,
        )


def notify_place_applicant(transition_id: int) -> None:
    """The decision on a place reviewed alone, to the members of its organisation."""
    transition = PlaceTransition.objects.select_related("place__organisation").get(pk=transition_id)
    place = transition.place
    with translation.override(settings.LANGUAGE_CODE):
        names = {"place": place.name, "status": transition.get_to_status_display()}
        body = _("Votre lieu « %(place)s » est maintenant : %(status)s.") % names
        if transition.reason:
            body += "\n\n" + _("Message de l'équipe qui l'a examiné :") + "\n" + transition.reason
        _send(
            _members(place.organisation),
            _("Votre lieu « %(place)s » : %(status)s") % names,
            body,
        )


def _reviewers(departements: Iterable[str]) -> list[str]:
    """Operator staff, and the members of the hubs whose territory holds one of
    `departements`."""
    wanted = set(departements)
    operators = Membership.objects.filter(organisation__kind=OrganisationKind.OPERATOR).exclude(
        user__email=settings.PASSNUM_SYSTEM_EMAIL  # scheduled work's user reads no mail
    )
    hubs = Membership.objects.filter(organisation__kind=OrganisationKind.HUB)
    emails = {m.user.email for m in operators.select_related("user")}
    emails |= {
        m.user.email
        for m in hubs.select_related("user", "organisation")
        if wanted & set(m.organisation.territory or [])
    }
    return sorted(emails)


def _members(organisation: Organisation) -> list[str]:
    return sorted(
        Membership.objects.filter(organisation=organisation).values_list("user__email", flat=True)
    )


def _send(recipients: list[str], subject: str, body: str) -> None:
    if recipients:
        send_mail(subject, body, None, recipients)
