"""Request hygiene at the edge, for the whole site: what no view should ever see.

- A NUL character in the path or the query string (raw or `%00`): PostgreSQL refuses it in any
  query, so it would end in a 500 wherever it reached the database. Answered 400.
- A `Content-Length` that is not a number: 400.
- Under /api/, a body larger than the API accepts, refused from its `Content-Length` before it is
  read: 413. JSON bodies: `DATA_UPLOAD_MAX_MEMORY_SIZE` (`PASSNUM_MAX_BODY_BYTES`); multipart
  uploads (the standard import): `PASSNUM_MAX_UPLOAD_BYTES`.

Under /api/ the answer has the API's error shape (passnum/api/errors.py); elsewhere a small page.
It comes after LocaleMiddleware, so it answers in the request's language.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from passnum.api.errors import error_body, payload_too_large_body

API_PREFIX = "/api/"


class RequestHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "\x00" in query or "%00" in query:
            return bad_request(
                request, "nul_character", _("L'adresse demandée contient un caractère nul.")
            )
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            return bad_request(request, "bad_request", _("L'en-tête Content-Length est invalide."))
        if request.path_info.startswith(API_PREFIX):
            limit = body_limit(request)
            if limit is not None and length > limit:
                return JsonResponse(payload_too_large_body(limit), status=413)
        return None


def body_limit(request: HttpRequest) -> int | None:
    """The most bytes the API reads from this request's body (None: no limit)."""
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/"):
        return settings.PASSNUM_MAX_UPLOAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def bad_request(request: HttpRequest, code: str, message: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(error_body(code, message), status=400)
    title = _("Requête invalide")
    page = format_html(
        '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{} — passnum</title></head>"
        '<body><main><h1>{}</h1><p>{}</p><p><a href="/">{}</a></p></main></body></html>',
        get_language() or settings.LANGUAGE_CODE,
        title,
        title,
        message,
        _("Retour à l'accueil"),
    )
    return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")
