"""Password reset by e-mail: Django's views, our templates, links built from SITE_URL.

The link in the e-mail uses SITE_URL, never the request's Host header, and is valid
PASSWORD_RESET_TIMEOUT seconds (Django's default, 3 days); it stops working once used or once
the password changed. An address that matches no account gets the same page, so the form does
not tell who has an account.

Asking is throttled (`core/throttle.py`): PASSNUM_PASSWORD_RESETS_PER_HOUR per e-mail address
and PASSNUM_PASSWORD_RESETS_PER_HOUR_PER_ADDRESS per client address, so the form cannot be used
to flood a mailbox or probe addresses in bulk. Past a limit the page answers 429 with the form
and a message, and sends nothing.
"""

import hashlib

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.utils.translation import gettext as _

from passnum.core.throttle import Window, client_address


def _windows() -> tuple[Window, Window]:
    hour = 3600
    return (
        Window("password-reset-email", settings.PASSNUM_PASSWORD_RESETS_PER_HOUR, hour),
        Window(
            "password-reset-address", settings.PASSNUM_PASSWORD_RESETS_PER_HOUR_PER_ADDRESS, hour
        ),
    )


class PasswordReset(auth_views.PasswordResetView):
    template_name = "registration/reset_form.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"

    def form_valid(self, form) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        per_email, per_address = _windows()
        # The address is hashed: the cache never holds who asked.
        digest = hashlib.sha256(email.encode()).hexdigest()
        waits = [
            wait
            for wait in (
                per_address.hit(client_address(self.request)),
                per_email.hit(digest),
            )
            if wait
        ]
        if waits:
            minutes = max(1, -(-max(waits) // 60))
            form.add_error(
                None,
                _(
                    "Trop de demandes de lien en peu de temps : réessayez dans %(minutes)s "
                    "minutes. Si un lien vous a déjà été envoyé, il reste valable."
                )
                % {"minutes": minutes},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(max(waits))
            return response
        self.extra_email_context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "reset_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86_400),
        }
        return super().form_valid(form)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "registration/reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "registration/reset_confirm.html"

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        # A new password ends a lockout (django-axes) of this account, from every address.
        reset_login_failures(username=form.user.email.strip().lower())
        return response


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "registration/reset_complete.html"
