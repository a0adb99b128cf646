"""Password reset by e-mail: Django's views, our templates, links built from SITE_URL.

The link in the e-mail uses SITE_URL, never the request's Host header, and is valid
PASSWORD_RESET_TIMEOUT seconds (Django's default, 3 days); it stops working once used or once
the password changed. An address that matches no account gets the same page, so the form does
not tell who has an account.
"""

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse


class PasswordReset(auth_views.PasswordResetView):
    template_name = "registration/reset_form.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"

    def form_valid(self, form) -> HttpResponse:
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
