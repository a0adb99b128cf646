"""One error shape for the whole API:

    {"error": {"code": "already_redeemed", "message": "…", "details": [{…}]}}

`code` is stable (clients switch on it); `message` is in the request's language (French by
default, English with `Accept-Language: en`).
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from passnum.core.exceptions import DomainError


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(
            request, error_body(exc.code, str(exc), exc.details), status=exc.http_status
        )

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [
            {
                "code": "invalid_field",
                "field": ".".join(str(p) for p in item.get("loc", [])[1:]),
                "message": item.get("msg", ""),
            }
            for item in exc.errors
        ]
        return api.create_response(
            request,
            error_body("invalid_input", _("Les données envoyées sont invalides."), details),
            status=400,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            error_body("invalid_token", _("Jeton d'API absent, invalide ou révoqué.")),
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Introuvable.")), status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = "invalid_input" if exc.status_code == 400 else "http_error"
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


def not_found_view(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's error shape, not with an HTML page."""
    from django.http import JsonResponse

    return JsonResponse(error_body("not_found", _("Introuvable.")), status=404)
