"""The instance's Ed25519 key: created once (mode 0600), published as a JWKS, and what it signs
on a pass's QR code checks — and stops checking when anything signed is changed."""

import datetime
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import Client
from django.urls import reverse

from passnum.core import signing
from passnum.passes.offline import pass_fragment, verify_fragment

CODE = "ABCDE23456FGH7K"
DAY = datetime.date(2028, 1, 31)


@pytest.fixture
def key_file(settings, tmp_path):
    settings.PASSNUM_SIGNING_KEY_FILE = tmp_path / "keys" / "signing-key.pem"
    return settings.PASSNUM_SIGNING_KEY_FILE


def test_the_key_is_created_once_private_and_reused(key_file):
    first = signing.public_jwk()
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    signing._key_at.cache_clear()
    assert signing.public_jwk() == first
    assert first["kty"] == "OKP" and first["crv"] == "Ed25519" and first["alg"] == "EdDSA"


@pytest.mark.django_db
def test_the_jwks_is_public_and_checks_a_pass_signature(key_file):
    response = Client().get(reverse("jwks"))
    assert response.status_code == 200
    (jwk,) = response.json()["keys"]
    public = Ed25519PublicKey.from_public_bytes(signing.b64url_decode(jwk["x"]))
    fragment = pass_fragment(code=CODE, face_value_cents=1000, last_day=DAY)
    face, day, signature = fragment.split(".")
    message = f"passnum-pass-v1|{CODE}|{face}|{day}".encode()
    assert signing.verify(message, signing.b64url_decode(signature), key=public)


def test_a_changed_fact_or_signature_fails(key_file):
    fragment = pass_fragment(code=CODE, face_value_cents=1000, last_day=DAY)
    assert verify_fragment(code=CODE, fragment=fragment).face_value_cents == 1000
    face, day, signature = fragment.split(".")
    for forged in (
        f"5000.{day}.{signature}",
        f"{face}.20991231.{signature}",
        f"{face}.{day}.{signature[:-2]}AA",
        f"{face}.{day}",
        "",
        "1000.2028-01-31.xx",
        f"-1.{day}.{signature}",
        f"{face}.{day}.{signature}!",
    ):
        assert verify_fragment(code=CODE, fragment=forged) is None, forged
    assert verify_fragment(code="ABCDE23456FGH7M", fragment=fragment) is None
