"""Domain errors: a stable machine code, a translatable human message, an HTTP status for the API."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every error a user can cause. Never a 500: the API maps it to one JSON shape."""

    code: str = "domain_error"
    http_status: int = 400
    default_message: Any = _("L'opération a été refusée.")

    def __init__(
        self, message: Any = None, *, details: list[dict[str, Any]] | None = None, **params: Any
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.params = params
        self.details = details or []
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 400
    default_message = _("Les données envoyées sont invalides.")


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = _("Introuvable.")


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403
    default_message = _("Vous n'avez pas le droit de faire cette opération.")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409
    default_message = _("Ce changement d'état n'est pas permis.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _("L'opération est en conflit avec l'état actuel.")
