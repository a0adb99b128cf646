from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from passnum.accounts.exceptions import NotAMember
from passnum.accounts.selectors import acting_for, memberships_of
from passnum.catalogue.enums import ServiceLevel
from passnum.catalogue.selectors import nomenclature
from passnum.www.acting import SESSION_KEY


def home(request: HttpRequest) -> HttpResponse:
    memberships = memberships_of(user=request.user) if request.user.is_authenticated else []  # type: ignore[arg-type]
    return render(request, "www/home.html", {"memberships": memberships})


@require_POST
@login_required
def switch_organisation(request: HttpRequest) -> HttpResponse:
    try:
        organisation_id = int(request.POST.get("organisation", ""))
        acting_for(user=request.user, organisation_id=organisation_id)  # type: ignore[arg-type]
    except (ValueError, NotAMember) as exc:
        raise PermissionDenied from exc
    request.session[SESSION_KEY] = organisation_id
    return redirect("home")


@login_required
def services(request: HttpRequest) -> HttpResponse:
    """The service nomenclature, browsable by staff (and every member: it is public data)."""
    families = nomenclature()
    return render(
        request,
        "www/services.html",
        {
            "families": families,
            "levels": ServiceLevel.choices,
        },
    )
