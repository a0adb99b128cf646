"""Which organisation a logged-in person acts as: kept in the session, checked on every use."""

from django.http import HttpRequest

from passnum.accounts.exceptions import NotAMember
from passnum.accounts.selectors import Acting, acting_for, memberships_of

SESSION_KEY = "acting_organisation_id"


def current_acting(request: HttpRequest) -> Acting | None:
    user = request.user
    if not user.is_authenticated:
        return None
    organisation_id = request.session.get(SESSION_KEY)
    if organisation_id is not None:
        try:
            return acting_for(user=user, organisation_id=organisation_id)  # type: ignore[arg-type]
        except NotAMember:
            request.session.pop(SESSION_KEY, None)
    memberships = memberships_of(user=user)  # type: ignore[arg-type]
    if not memberships:
        return None
    first = memberships[0]
    request.session[SESSION_KEY] = first.organisation_id
    return Acting(user=first.user, organisation=first.organisation, membership=first)
