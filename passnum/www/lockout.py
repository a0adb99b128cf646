"""Login throttling (django-axes): who is counted, and the page a locked-out login gets."""

from http import HTTPStatus
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


class LoginBackend(AxesStandaloneBackend, ModelBackend):
    """Django's ModelBackend, after django-axes has refused a locked-out attempt (before the
    password is checked). The only backend, so `login(request, user)` needs no `backend`."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        # Raises AxesBackendPermissionDenied when locked out, and refuses a call without a
        # request (no address to count): the test client's login() too, use force_login().
        AxesStandaloneBackend.authenticate(self, request, username, password, **kwargs)  # type: ignore[arg-type]
        return ModelBackend.authenticate(self, request, username, password, **kwargs)


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail as typed, without case or spaces: `Ana@X.fr ` and `ana@x.fr` count together."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(raw).strip().lower()


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page again, with the reason and the way out (wait, or reset the password)."""
    username = username_of(request, credentials)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {
            "form": AuthenticationForm(request, initial={"username": username}),
            "next": next_url,
            "locked_out": True,
            "cooloff_minutes": minutes,
        },
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
