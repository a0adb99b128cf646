from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import DomainError


class UnknownJobKind(DomainError):
    code = "unknown_job_kind"
    default_message = _("Ce type de travail n'existe pas.")


class JobFileMissing(DomainError):
    code = "job_file_missing"
    http_status = 404
    default_message = _("Ce travail n'a pas produit de fichier, ou il a été effacé.")
