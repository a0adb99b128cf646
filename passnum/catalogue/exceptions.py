from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import DomainError


class UnknownService(DomainError):
    code = "unknown_service"
    http_status = 400
    default_message = _("Le service « %(code)s » n'existe pas dans la nomenclature.")
