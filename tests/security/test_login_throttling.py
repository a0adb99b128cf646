"""Login throttling (django-axes): five wrong passwords for one e-mail from one address lock
that pair out for a while, with a plain French message on the login page."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOCKED = "Connexion bloquée temporairement"


def attempt(client: Client, email: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one():
    user = UserFactory(email="ana@example.org")
    client = Client()
    for _ in range(4):
        response = attempt(client, user.email, "wrong")
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in response.text
    fifth = attempt(client, user.email, "wrong")
    assert fifth.status_code == 429 and LOCKED in fifth.text

    right = attempt(client, user.email, PASSWORD)
    assert right.status_code == 429
    page = right.text
    assert LOCKED in page
    assert "bloquée pendant 15 minutes" in page
    assert reverse("password_reset") in page  # the way out
    assert 'class="fr-alert fr-alert--error' in page and 'name="password"' in page
    assert "_auth_user_id" not in client.session
    # the case of the address does not open another counter
    assert attempt(client, "ANA@example.org ", PASSWORD).status_code == 429


def test_the_lock_is_per_email_and_address():
    locked, other = UserFactory(email="ana@example.org"), UserFactory(email="bo@example.org")
    for _ in range(5):
        attempt(Client(), locked.email, "wrong")
    assert attempt(Client(), locked.email, PASSWORD).status_code == 429
    # another person from the same address, and the same person from another address
    assert attempt(Client(), other.email, PASSWORD).status_code == 302
    assert attempt(Client(), locked.email, PASSWORD, address="198.51.100.7").status_code == 302


def test_a_success_resets_the_count():
    user = UserFactory(email="ana@example.org")
    for _ in range(4):
        attempt(Client(), user.email, "wrong")
    assert attempt(Client(), user.email, PASSWORD).status_code == 302
    for _ in range(4):
        assert attempt(Client(), user.email, "wrong").status_code == 200
    assert attempt(Client(), user.email, PASSWORD).status_code == 302


def test_the_limit_and_the_wait_come_from_settings(settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory(email="ana@example.org")
    attempt(Client(), user.email, "wrong")
    assert attempt(Client(), user.email, "wrong").status_code == 429


def test_a_new_password_ends_the_lock(settings):
    import re

    user = UserFactory(email="ana@example.org")
    for _ in range(5):
        attempt(Client(), user.email, "wrong")
    client = Client()
    client.post(reverse("password_reset"), {"email": user.email})
    path = re.search(r"/mot-de-passe/nouveau/\S+/", mail.outbox[0].body).group(0)
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    new = "un-nouveau-mot-de-passe-2026"
    client.post(set_url, {"new_password1": new, "new_password2": new})
    assert attempt(Client(), user.email, new).status_code == 302
