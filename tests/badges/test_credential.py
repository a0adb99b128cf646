"""The badge as an Open Badges 3.0 credential signed as a VC-JWT: checked as an outside verifier
would (the JWKS fetched from /.well-known/jwks.json, the JWT from /badges/<id>.jwt, joserfc),
its JSON validated against the official Open Badges 3.0 JSON Schema (tests/data/), and the
public verification page's answers for a valid, a tampered and a foreign badge."""

import base64
import copy
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.urls import reverse
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, OKPKey
from jsonschema import Draft201909Validator, FormatChecker

from passnum.badges import credential
from tests.factories import make_badge

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:EdDSA is deprecated")]

SCHEMA_FILE = Path(__file__).parent.parent / "data" / "ob_v3p0_achievementcredential_schema.json"


def ob3_schema() -> dict:
    """The vendored official schema; if it is the revision that predates VCDM 2.0, with the root
    dates as 3.0.3 has them (tests/data/README.md)."""
    schema = json.loads(SCHEMA_FILE.read_text())
    required = schema["required"]
    if "issuanceDate" in required and "validFrom" not in schema["properties"]:
        schema = copy.deepcopy(schema)
        dates = schema["properties"]
        dates["validFrom"] = {**dates.pop("issuanceDate"), "description": "VCDM 2.0"}
        dates["validUntil"] = {**dates.pop("expirationDate"), "description": "VCDM 2.0"}
        schema["required"] = ["validFrom" if key == "issuanceDate" else key for key in required]
    return schema


def outside_verification(jwt: str) -> tuple[dict, dict]:
    """(header, claims) of a badge's JWT checked with the published JWKS only."""
    published = Client().get("/.well-known/jwks.json").json()
    keys = KeySet.import_key_set(published)
    signed = jws.deserialize_compact(jwt, keys, algorithms=["EdDSA"])
    return signed.headers(), json.loads(signed.payload)


def served_jwt(badge) -> str:
    response = Client().get(reverse("badges:jwt", kwargs={"public_id": badge.public_id}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    return response.text


def test_an_outside_verifier_checks_the_badge_with_the_published_key(provider, redemption):
    badge = make_badge(provider, redemption, holder_name="Awa Diallo")
    header, claims = outside_verification(served_jwt(badge))
    jwk = Client().get("/.well-known/jwks.json").json()["keys"][0]
    assert header == {"alg": "EdDSA", "kid": jwk["kid"], "typ": "vc+jwt"}
    site = credential.site()
    page = site + reverse("badges:badge", kwargs={"public_id": badge.public_id})
    assert claims["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert (claims["id"], claims["jti"]) == (page, page)
    assert claims["issuer"]["id"] == claims["iss"] == site + "/"
    assert claims["sub"] == claims["credentialSubject"]["id"] == f"urn:uuid:{badge.public_id}"
    assert claims["nbf"] == int(badge.awarded_at.timestamp())
    achievement = claims["credentialSubject"]["achievement"]
    alignment = achievement["alignment"][0]
    assert (alignment["targetCode"], alignment["targetFramework"]) == (
        badge.competence.code,
        "CRCN",
    )
    assert claims["credentialSubject"]["identifier"][0]["identityHash"] == "Awa Diallo"
    # A different key published under the same kid (a forger's JWKS) does not verify it
    stranger = OKPKey.import_key(Ed25519PrivateKey.generate(), {"kid": jwk["kid"]}).as_dict(
        private=False
    )
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(
            served_jwt(badge), KeySet.import_key_set({"keys": [stranger]}), algorithms=["EdDSA"]
        )


@pytest.mark.parametrize("holder_name", ["", "Jean Dupont"])
def test_the_credential_is_valid_against_the_open_badges_3_schema(
    provider, redemption, holder_name
):
    badge = make_badge(provider, redemption, holder_name=holder_name)
    validator = Draft201909Validator(ob3_schema(), format_checker=FormatChecker())
    claims = outside_verification(served_jwt(badge))[1]
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(claims)]
    assert errors == []
    assert ("identifier" in claims["credentialSubject"]) is bool(holder_name)
    # the schema does catch a broken credential
    broken = copy.deepcopy(claims)
    del broken["credentialSubject"]["achievement"]["criteria"]
    broken["credentialSubject"]["identifier"] = [{"type": "IdentityObject"}]
    assert len(list(validator.iter_errors(broken))) >= 2


def tampered(jwt: str) -> str:
    header, payload, signature = jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "X"}
    ]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_the_verification_page(provider, redemption):
    badge = make_badge(provider, redemption)
    jwt = served_jwt(badge)
    url = reverse("badges:verify")
    for text in (
        jwt,
        credential.credential_id(badge.public_id),
        credential.jwt_url(badge.public_id),
    ):
        answer = Client().get(url, {"badge": text})
        assert answer.status_code == 200
        assert "Badge authentique et valable" in answer.text
        assert badge.competence.name.replace("'", "&#x27;") in answer.text
        assert "restée anonyme" in answer.text
    for text, says in (
        (tampered(jwt), "La signature ne correspond pas"),
        ("bonjour", "Aucun badge ne correspond"),
        ("a.b.c", "La signature ne correspond pas"),
    ):
        answer = Client().get(url, {"badge": text})
        assert answer.status_code == 200 and says in answer.text
        assert "Badge authentique" not in answer.text
    blank = Client().get(url)
    assert blank.status_code == 200 and 'id="verify-result"' not in blank.text


def test_a_jwt_signed_by_another_key_is_refused(provider, redemption):
    badge = make_badge(provider, redemption)
    claims = credential.jwt_claims(credential.build_credential(badge))
    other = OKPKey.import_key(Ed25519PrivateKey.generate())
    header = {"alg": "EdDSA", "typ": "vc+jwt"}
    foreign = jws.serialize_compact(header, json.dumps(claims), other, algorithms=["EdDSA"])
    checked = credential.verify_jwt(foreign)
    assert not checked.valid and "signature" in checked.problems[0]
    mine = credential.verify_jwt(credential.sign_badge(badge))
    assert mine.valid and mine.credential == claims


def test_public_pages(provider, redemption):
    badge = make_badge(provider, redemption)
    page = Client().get(reverse("badges:badge", kwargs={"public_id": badge.public_id}))
    assert page.status_code == 200
    assert "Anonyme" in page.text and "<svg" in page.text and badge.place.name in page.text
    achievement = Client().get(
        reverse("badges:achievement", kwargs={"code": badge.competence.code})
    )
    assert achievement.status_code == 200
    assert Client().get(reverse("badges:achievement", kwargs={"code": "9.9"})).status_code == 404
    unknown = "00000000-0000-4000-8000-000000000000"
    assert Client().get(f"/badges/{unknown}/").status_code == 404
    assert Client().get(f"/badges/{unknown}.jwt").status_code == 404
