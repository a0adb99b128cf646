"""A badge as an Open Badges 3.0 credential (an `OpenBadgeCredential`, W3C Verifiable
Credentials data model 2.0), signed as a VC-JWT by the instance's Ed25519 key — the key whose
public half `/.well-known/jwks.json` publishes (core/signing.py). Anyone can check a badge with
that key and any JOSE library; the public verification page (`/badges/verifier/`) does it here
with the same functions an outside verifier would use.

The JWT (compact JWS): header {"alg": "EdDSA", "kid": <the JWKS key's kid>, "typ": "vc+jwt"}
(VC-JOSE-COSE), payload = the credential itself plus the JWT claims Open Badges 3.0 asks a
VC-JWT to carry: iss (= issuer.id), jti (= id), nbf (= validFrom), sub (= credentialSubject.id).

The credential is built from the badge's columns each time it is served: Ed25519 signatures are
deterministic, so the same badge always gives the same JWT (until its holder adds a name).
Revocation is not written into the credential: the verification page looks the badge up."""

import datetime
import json
import re
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

from passnum.badges.models import Badge
from passnum.core import signing

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
ALGORITHM = "EdDSA"
MEDIA_TYPE = "application/vc+jwt"
FRAMEWORK = "CRCN"
FRAMEWORK_URL = "https://pix.fr/competences"


def site() -> str:
    return settings.SITE_URL.rstrip("/")


def credential_id(public_id: uuid.UUID) -> str:
    """The credential's id: the address of its page."""
    return site() + reverse("badges:badge", kwargs={"public_id": public_id})


def jwt_url(public_id: uuid.UUID) -> str:
    return site() + reverse("badges:jwt", kwargs={"public_id": public_id})


def achievement_id(code: str) -> str:
    return site() + reverse("badges:achievement", kwargs={"code": code})


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_profile() -> dict[str, Any]:
    """The instance as the issuing Profile."""
    return {
        "id": site() + "/",
        "type": ["Profile"],
        "name": settings.PASSNUM_OPERATOR_NAME,
        "url": site() + "/",
    }


def build_credential(badge: Badge) -> dict[str, Any]:
    """The badge as an OpenBadgeCredential (unsigned). The texts are in French, the language of
    the nomenclature; `badge` comes with its competence, place and service loaded."""
    competence = badge.competence
    service = badge.redemption.service
    place = badge.place
    date = badge.redemption.created_at
    title = f"{competence.code} {competence.name}"
    subject: dict[str, Any] = {
        # The subject is the holder of this badge, whom nothing else identifies.
        "id": f"urn:uuid:{badge.public_id}",
        "type": ["AchievementSubject"],
        "activityEndDate": _timestamp(date),
        "achievement": {
            "id": achievement_id(competence.code),
            "type": ["Achievement"],
            "achievementType": "Competency",
            "name": title,
            "description": (
                f"Compétence {competence.code} « {competence.name} » du domaine "
                f"« {competence.domain} » du cadre de référence des compétences numériques "
                "(CRCN, Pix)."
            ),
            "criteria": {
                "narrative": (
                    "Attribué par un lieu de médiation numérique qualifié, au vu de ce que la "
                    "personne a appris et mis en pratique pendant un accompagnement payé avec "
                    "des pass numériques."
                )
            },
            "humanCode": competence.code,
            "inLanguage": "fr",
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": competence.name,
                    "targetDescription": f"{competence.domain} — {competence.name}",
                    "targetCode": competence.code,
                    "targetFramework": FRAMEWORK,
                    "targetUrl": FRAMEWORK_URL,
                    "targetType": "ext:CRCN",
                }
            ],
        },
        "narrative": (
            f"Accompagnement « {service.name} » reçu à {place.name} ({place.commune_name}) "
            f"le {date.astimezone(datetime.UTC).date().isoformat()}."
        ),
        "source": {
            "id": site() + reverse("public_place", kwargs={"standard_id": place.standard_id}),
            "type": ["Profile"],
            "name": f"{place.name} ({place.commune_name})",
        },
    }
    if badge.holder_name:
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": badge.holder_name,
            }
        ]
    return {
        "@context": list(CONTEXT),
        "id": credential_id(badge.public_id),
        "type": list(CREDENTIAL_TYPE),
        "name": title,
        "description": _description(badge),
        "issuer": issuer_profile(),
        "validFrom": _timestamp(badge.awarded_at),
        "credentialSubject": subject,
    }


def _description(badge: Badge) -> str:
    return (
        f"Badge de compétence numérique « {badge.competence.code} {badge.competence.name} », "
        f"attribué par {badge.place.name} ({badge.place.commune_name})."
    )


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential plus the JWT claims Open Badges 3.0 requires of a VC-JWT."""
    valid_from = datetime.datetime.strptime(credential["validFrom"], "%Y-%m-%dT%H:%M:%SZ")
    return {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(valid_from.replace(tzinfo=datetime.UTC).timestamp()),
        "sub": credential["credentialSubject"]["id"],
    }


@contextmanager
def _eddsa() -> Iterator[None]:
    """joserfc warns that RFC 9864 deprecates "EdDSA" for the fully-specified "Ed25519". The
    instance's JWKS publishes its key with alg "EdDSA", the name Open Badges 3.0 verifiers and
    most JOSE libraries know; the signature is the same Ed25519 one. Keep it, quietly."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        yield


def _private_key() -> OKPKey:
    return OKPKey.import_key(signing.signing_key(), {"kid": signing.public_jwk()["kid"]})


def sign_badge(badge: Badge) -> str:
    """The badge's VC-JWT (compact JWS)."""
    header = {"alg": ALGORITHM, "kid": signing.public_jwk()["kid"], "typ": "vc+jwt"}
    payload = json.dumps(jwt_claims(build_credential(badge)), ensure_ascii=False)
    with _eddsa():
        return jws.serialize_compact(
            header, payload.encode(), _private_key(), algorithms=[ALGORITHM]
        )


# --- Verifying ---------------------------------------------------------------------------------

JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


@dataclass
class Checked:
    """What checking a JWT found: the credential if its signature holds, and the problems."""

    credential: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.credential is not None and not self.problems


def verify_jwt(token: str, jwks: dict[str, Any] | None = None) -> Checked:
    """Check a VC-JWT as any verifier would: the signature against the published keys (by
    default this instance's JWKS), then the structure of an OpenBadgeCredential issued here.
    Problems are said in plain French; revocation is the caller's business (`selectors`)."""
    token = token.strip()
    if not JWT_SHAPE.match(token):
        return Checked(
            problems=[_("Ce texte n'est pas un badge signé (JWT) ni une adresse de badge.")]
        )
    keys = KeySet.import_key_set(jwks or signing.jwks())  # type: ignore[arg-type]
    try:
        with _eddsa():
            signed = jws.deserialize_compact(token, keys, algorithms=[ALGORITHM])
    except (JoseError, ValueError):
        return Checked(
            problems=[
                _(
                    "La signature ne correspond pas à la clé publiée par cette plateforme : "
                    "ce badge n'a pas été délivré ici, ou il a été modifié."
                )
            ]
        )
    try:
        claims = json.loads(signed.payload)
    except ValueError:
        return Checked(problems=[_("Le contenu signé n'est pas un badge lisible.")])
    if not isinstance(claims, dict):
        return Checked(problems=[_("Le contenu signé n'est pas un badge lisible.")])
    return Checked(credential=claims, problems=structure_problems(signed.headers(), claims))


def structure_problems(header: dict[str, Any], claims: dict[str, Any]) -> list[str]:
    problems = []
    if header.get("typ") != "vc+jwt":
        problems.append(_("L'en-tête du jeton n'annonce pas un justificatif vérifiable."))
    types = claims.get("type") or []
    if "VerifiableCredential" not in types or not (
        {"OpenBadgeCredential", "AchievementCredential"} & set(types)
    ):
        problems.append(_("Ce n'est pas un badge Open Badges 3.0."))
    if claims.get("@context", [None])[:1] != CONTEXT[:1]:
        problems.append(_("Le contexte du badge n'est pas celui des justificatifs vérifiables."))
    issuer = claims.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != site() + "/" or claims.get("iss") != issuer_id:
        problems.append(_("Ce badge n'a pas été délivré par cette plateforme."))
    if claims.get("jti") != claims.get("id"):
        problems.append(_("L'identifiant du jeton ne correspond pas à celui du badge."))
    subject = claims.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict) or not achievement.get("name"):
        problems.append(_("Le badge ne dit pas quelle compétence il atteste."))
    return problems


def public_id_in(text: str) -> uuid.UUID | None:
    """The badge id in a badge's address (its page or its .jwt), in a credential id, or alone."""
    found = re.search(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text.strip().lower()
    )
    return uuid.UUID(found.group(0)) if found else None
