from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, DomainError


class FeedbackNotPossible(DomainError):
    code = "feedback_not_possible"
    http_status = 400
    default_message = _("Aucun avis ne peut être donné pour ce pass.")


class FeedbackAlreadyGiven(Conflict):
    code = "feedback_already_given"
    default_message = _("Un avis a déjà été donné pour cet accompagnement : merci !")
