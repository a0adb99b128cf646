from django.http import HttpRequest
from ninja.security import HttpBearer

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import InvalidToken
from passnum.accounts.selectors import Acting, acting_from_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pn_…`: a member's token; the request acts as its organisation.

    `TokenAuth(kinds=(OrganisationKind.OPERATOR,))` also refuses (403 `wrong_organisation_kind`)
    the other kinds of organisation before the request's body is read: an upload is parsed only
    for those who may send it."""

    openapi_description = "Jeton d'API d'un membre (créé dans l'espace de son organisation)."

    def __init__(self, *, kinds: tuple[OrganisationKind, ...] = ()) -> None:
        super().__init__()
        self.kinds = kinds

    def authenticate(self, request: HttpRequest, token: str) -> Acting | None:
        try:
            acting = acting_from_token(token)
        except InvalidToken:
            return None
        if self.kinds:
            acting.require_kind(*self.kinds)  # raised here, ninja answers 403
        return acting


def acting_of(request: HttpRequest) -> Acting:
    acting = request.auth  # type: ignore[attr-defined]
    assert isinstance(acting, Acting)
    return acting
