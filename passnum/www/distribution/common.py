"""What every distribution page starts with: the acting organisation, of the right kind."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core import exceptions as domain
from passnum.core.text import ascii_int
from passnum.www.acting import current_acting

PAGE_SIZE = 50


def acting_as(request: HttpRequest, *kinds: OrganisationKind) -> Acting:
    """The acting organisation; 403 unless it is of one of `kinds`."""
    acting = current_acting(request)
    if acting is None or acting.organisation.kind not in kinds:
        raise PermissionDenied
    return acting


def is_admin(acting: Acting) -> bool:
    return acting.membership.role == MemberRole.ADMIN or acting.user.is_superuser


def scoped(selector: Any, **kwargs: Any) -> Any:
    """A selector's answer; its NotFound becomes a 404."""
    try:
        return selector(**kwargs)
    except domain.NotFound as exc:
        raise Http404 from exc


def page_of(request: HttpRequest, items: Any, *, count: int | None = None) -> Page:
    """The asked page of `items`; `count`, when the caller already knows it, saves the count
    query (deriving every booklet's state again, for a filter on the state)."""
    paginator = Paginator(items, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # type: ignore[misc]
    return paginator.get_page(request.GET.get("page"))


def int_param(request: HttpRequest, name: str) -> int | None:
    return ascii_int(request.GET.get(name, ""))


def by_state(counts: dict[str, int]) -> list[tuple[str, Any, int]]:
    """(value, translated label, count) of every booklet state, in the states' order."""
    from passnum.passes.enums import BookletState

    return [(value, label, counts.get(value, 0)) for value, label in BookletState.choices]
