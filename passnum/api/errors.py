"""One error shape for the whole API:

    {"error": {"code": "already_redeemed", "message": "…", "details": [{…}]}}

`code` is stable (clients switch on it); `message` is in the request's language (French by
default, English with `Accept-Language: en`) — the messages of invalid fields too: pydantic's
English messages are replaced by ours, chosen by the error's type (`field_message`).
"""

from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from passnum.core.exceptions import DomainError


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def payload_too_large_body(limit: int) -> dict:
    """413: the request's body is larger than the API accepts (`limit` bytes)."""
    return error_body(
        "payload_too_large",
        _("Le corps de la requête dépasse la taille permise (%(max)s octets).")
        % {"max": number_format(limit, force_grouping=True)},
    )


# --- Messages of invalid fields, by pydantic error type ------------------------------------------

# Lazy: the table is built once, each message translated in the request's language.
_FIELD_MESSAGES: dict[str, Promise] = {
    "missing": gettext_lazy("Ce champ est obligatoire."),
    "extra_forbidden": gettext_lazy("Ce champ n'est pas attendu."),
    "int_type": gettext_lazy("Un nombre entier est attendu."),
    "int_parsing": gettext_lazy("Un nombre entier est attendu."),
    "int_parsing_size": gettext_lazy("Ce nombre est trop grand."),
    "int_from_float": gettext_lazy("Un nombre entier est attendu, sans partie décimale."),
    "float_type": gettext_lazy("Un nombre est attendu."),
    "float_parsing": gettext_lazy("Un nombre est attendu."),
    "finite_number": gettext_lazy("Un nombre fini est attendu."),
    "bool_type": gettext_lazy("Un booléen (true ou false) est attendu."),
    "bool_parsing": gettext_lazy("Un booléen (true ou false) est attendu."),
    "string_type": gettext_lazy("Une chaîne de caractères est attendue."),
    "string_unicode": gettext_lazy("Le texte doit être de l'Unicode valide."),
    "string_sub_type": gettext_lazy("Une chaîne de caractères est attendue."),
    "string_too_short": gettext_lazy("Au moins %(min_length)s caractère(s) attendu(s)."),
    "string_too_long": gettext_lazy("Au plus %(max_length)s caractère(s) permis."),
    "string_pattern_mismatch": gettext_lazy("Le texte n'a pas le format attendu."),
    "greater_than": gettext_lazy("La valeur doit être supérieure à %(gt)s."),
    "greater_than_equal": gettext_lazy("La valeur doit être supérieure ou égale à %(ge)s."),
    "less_than": gettext_lazy("La valeur doit être inférieure à %(lt)s."),
    "less_than_equal": gettext_lazy("La valeur doit être inférieure ou égale à %(le)s."),
    "multiple_of": gettext_lazy("La valeur doit être un multiple de %(multiple_of)s."),
    "list_type": gettext_lazy("Une liste est attendue."),
    "tuple_type": gettext_lazy("Une liste est attendue."),
    "set_type": gettext_lazy("Une liste est attendue."),
    "dict_type": gettext_lazy("Un objet JSON est attendu."),
    "model_type": gettext_lazy("Un objet JSON est attendu."),
    "model_attributes_type": gettext_lazy("Un objet JSON est attendu."),
    "date_type": gettext_lazy("Une date (AAAA-MM-JJ) est attendue."),
    "date_parsing": gettext_lazy("Une date (AAAA-MM-JJ) est attendue."),
    "date_from_datetime_parsing": gettext_lazy("Une date (AAAA-MM-JJ) est attendue."),
    "date_from_datetime_inexact": gettext_lazy("Une date sans heure (AAAA-MM-JJ) est attendue."),
    "datetime_type": gettext_lazy("Une date et une heure (ISO 8601) sont attendues."),
    "datetime_parsing": gettext_lazy("Une date et une heure (ISO 8601) sont attendues."),
    "datetime_from_date_parsing": gettext_lazy("Une date et une heure (ISO 8601) sont attendues."),
    "literal_error": gettext_lazy("Valeur non permise ; valeurs permises : %(expected)s."),
    "enum": gettext_lazy("Valeur non permise ; valeurs permises : %(expected)s."),
    "json_invalid": gettext_lazy("Ce n'est pas du JSON valide."),
    "json_type": gettext_lazy("Ce n'est pas du JSON valide."),
    "uuid_type": gettext_lazy("Un UUID est attendu."),
    "uuid_parsing": gettext_lazy("Un UUID est attendu."),
    # Ours (passnum/api/types.py, passnum/api/schemas.py)
    "control_characters": gettext_lazy(
        "Le texte ne peut pas contenir de caractère de contrôle (octet nul…)."
    ),
    "serial_range": gettext_lazy(
        "Le premier numéro de série doit être inférieur ou égal au dernier."
    ),
    "date_too_late": gettext_lazy("La date doit être au plus tard le %(max)s."),
}
_LIST_LENGTH = {
    "too_short": gettext_lazy("Au moins %(min_length)s élément(s) attendu(s)."),
    "too_long": gettext_lazy("Au plus %(max_length)s élément(s) permis."),
}
_TEXT_LENGTH = {"too_short": "string_too_short", "too_long": "string_too_long"}
_INVALID = gettext_lazy("Valeur invalide.")


def field_message(item: dict[str, Any]) -> str:
    """The message of one pydantic error (`type`, `ctx`) in the request's language."""
    kind = item.get("type", "")
    context = dict(item.get("ctx") or {})
    template: Promise
    if kind in _TEXT_LENGTH:
        # Constraints of nested types: pydantic names them too_short/too_long for strings too.
        if context.get("field_type") in {"List", "Tuple", "Set", "Frozenset", "Dictionary"}:
            template = _LIST_LENGTH[kind]
        else:
            template = _FIELD_MESSAGES[_TEXT_LENGTH[kind]]
    else:
        template = _FIELD_MESSAGES.get(kind, _INVALID)
    if "expected" in context:  # "'a', 'b' or 'c'": pydantic's English "or"
        context["expected"] = str(context["expected"]).replace(" or ", ", ")
    try:
        return str(template) % context
    except (KeyError, TypeError, ValueError):
        return str(_INVALID)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = api.create_response(
            request, error_body(exc.code, str(exc), exc.details), status=exc.http_status
        )
        for name, value in getattr(exc, "headers", {}).items():  # Retry-After of a 429
            response[name] = value
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [
            {
                "code": "invalid_field",
                "field": ".".join(str(p) for p in item.get("loc", [])[1:]),
                "message": field_message(item),
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
        if exc.status_code == 400 and exc.__cause__ is not None:
            # ninja could not parse the body (not JSON, not UTF-8, nested too deep…)
            body = error_body(
                "invalid_input", _("Le corps de la requête n'est pas du JSON valide.")
            )
        elif exc.status_code == 400:
            body = error_body("invalid_input", _("Les données envoyées sont invalides."))
        else:
            body = error_body("http_error", str(exc))
        return api.create_response(request, body, status=exc.status_code)

    # Django refuses a body while reading it: the limits of docs/settings.md.
    @api.exception_handler(RequestDataTooBig)
    def request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return api.create_response(request, payload_too_large_body(limit), status=413)

    @api.exception_handler(TooManyFieldsSent)
    @api.exception_handler(TooManyFilesSent)
    def too_many_fields(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(
            request,
            error_body("too_many_fields", _("La requête contient trop de champs ou de fichiers.")),
            status=400,
        )

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                "invalid_multipart",
                _("Le corps multipart/form-data est illisible (délimiteur absent ou invalide)."),
            ),
            status=400,
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return api.create_response(
            request, error_body("bad_request", _("La requête est invalide.")), status=400
        )


def not_found_view(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(error_body("not_found", _("Introuvable.")), status=404)
