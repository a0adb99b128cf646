"""A member's API tokens: create (shown once), list, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passnum.accounts.selectors import Acting, token_of, tokens_of
from passnum.accounts.services import create_api_token, revoke_api_token
from passnum.core.exceptions import NotFound
from passnum.www.acting import current_acting


def _acting(request: HttpRequest) -> Acting:
    acting = current_acting(request)
    if acting is None:
        raise PermissionDenied
    return acting


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    acting = _acting(request)
    clear = None
    error = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not 1 <= len(name) <= 100:
            error = _("Donnez un nom au jeton (100 caractères au plus).")
        else:
            clear = create_api_token(
                actor=acting.user, membership=acting.membership, name=name
            ).clear
    return render(
        request,
        "www/tokens.html",
        {
            "tokens": tokens_of(acting=acting),
            "clear": clear,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_POST
@login_required
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    acting = _acting(request)
    try:
        token = token_of(acting=acting, token_id=token_id)
    except NotFound as exc:
        raise Http404 from exc
    revoke_api_token(actor=acting.user, token=token)
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    return redirect("tokens")
