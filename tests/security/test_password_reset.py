"""Password reset by e-mail: ask, read the mail, follow the link, choose, log in."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "un-nouveau-mot-de-passe-2026"


def reset_link(message) -> str:
    found = re.search(r"https?://\S+/mot-de-passe/nouveau/\S+/", message.body)
    assert found is not None, message.body
    return found.group(0)


def test_the_login_page_offers_a_reset():
    page = Client().get(reverse("login")).text
    assert f'href="{reverse("password_reset")}"' in page
    assert "Mot de passe oublié ?" in page


def test_reset_by_email_then_log_in_with_the_new_password(settings):
    settings.SITE_URL = "https://passnum.example.org"
    user = UserFactory(email="ana@example.org")
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "Ana@Example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert "Vérifiez votre messagerie" in client.get(response.url).text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.subject == "passnum : choisir un nouveau mot de passe"
    assert "ana@example.org" in message.body
    link = reset_link(message)
    # built from SITE_URL, whatever Host the request came with
    assert link.startswith("https://passnum.example.org/mot-de-passe/nouveau/")

    path = link.removeprefix("https://passnum.example.org")
    form_page = client.get(path, follow=True)
    assert "Choisir un nouveau mot de passe" in form_page.text
    assert 'name="new_password1"' in form_page.text
    set_url = form_page.redirect_chain[-1][0]  # Django hides the token behind a redirect
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert "Mot de passe modifié" in client.get(done.url).text

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    login = Client().post(reverse("login"), {"username": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302
    # the link served once
    again = Client().get(path, follow=True)
    assert "n'est plus valable" in again.text and 'name="new_password1"' not in again.text


def test_an_unknown_address_gets_the_same_page_and_no_mail():
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_weak_new_password_is_refused_with_the_reason():
    user = UserFactory(email="bo@example.org")
    client = Client()
    client.post(reverse("password_reset"), {"email": user.email})
    path = re.sub(r"^https?://[^/]+", "", reset_link(mail.outbox[0]))
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "fr-error-text" in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_asking_too_often_for_one_address_is_refused_and_sends_nothing(settings):
    settings.PASSNUM_PASSWORD_RESETS_PER_HOUR = 2
    UserFactory(email="ana@example.org")
    client = Client()
    for _ in range(2):
        assert (
            client.post(reverse("password_reset"), {"email": "ana@example.org"}).status_code == 302
        )
    response = client.post(reverse("password_reset"), {"email": "ANA@example.org"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "Trop de demandes de lien" in response.text
    assert len(mail.outbox) == 2
    # Another address is not held back by the first one's count.
    UserFactory(email="bea@example.org")
    assert client.post(reverse("password_reset"), {"email": "bea@example.org"}).status_code == 302
    assert len(mail.outbox) == 3


def test_one_client_address_cannot_ask_for_many_addresses(settings):
    settings.PASSNUM_PASSWORD_RESETS_PER_HOUR_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(3):
        email = f"inconnu{number}@example.org"
        assert client.post(reverse("password_reset"), {"email": email}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": "encore@example.org"})
    assert response.status_code == 429
    other = Client(REMOTE_ADDR="203.0.113.10")
    assert other.post(reverse("password_reset"), {"email": "encore@example.org"}).status_code == 302
