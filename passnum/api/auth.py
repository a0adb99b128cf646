from django.http import HttpRequest
from ninja.security import HttpBearer

from passnum.accounts.exceptions import InvalidToken
from passnum.accounts.selectors import Acting, acting_from_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pn_…`: a member's token; the request acts as its organisation."""

    openapi_description = "Jeton d'API d'un membre (créé dans l'espace de son organisation)."

    def authenticate(self, request: HttpRequest, token: str) -> Acting | None:
        try:
            return acting_from_token(token)
        except InvalidToken:
            return None


def acting_of(request: HttpRequest) -> Acting:
    acting = request.auth  # type: ignore[attr-defined]
    assert isinstance(acting, Acting)
    return acting
