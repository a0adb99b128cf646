"""A mail backend whose server always fails (settings.EMAIL_BACKEND in tests of robustness)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        raise smtplib.SMTPServerDisconnected("the mail server went away")
