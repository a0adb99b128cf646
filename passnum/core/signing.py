"""The instance's signing key (Ed25519): what it signs can be checked by anyone with its public
key, published at `/.well-known/jwks.json` — the QR code of each printed pass (so the scanning
page can tell a real pass offline, `passes/offline.py`), later the skill badges.

The private key lives in one PEM file (PKCS#8), `PASSNUM_SIGNING_KEY_FILE`, created on first use
with mode 0600 if it does not exist. Back it up with the database: passes printed with a lost key
can no longer be checked offline (online checks never need it).
"""

import base64
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def _key_at(path: str) -> Ed25519PrivateKey:
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Created exclusively: two processes starting at once never write two keys.
        try:
            descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(pem)
    loaded = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{file}: not an Ed25519 private key")
    return loaded


def signing_key() -> Ed25519PrivateKey:
    return _key_at(str(settings.PASSNUM_SIGNING_KEY_FILE))


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def sign(message: bytes) -> bytes:
    return signing_key().sign(message)


def verify(message: bytes, signature: bytes, key: Ed25519PublicKey | None = None) -> bool:
    try:
        (key or public_key()).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def public_jwk() -> dict[str, Any]:
    """The public key as a JWK (RFC 8037), its `kid` the RFC 7638 thumbprint."""
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = b64url(hashlib.sha256(canonical).digest())
    return {**members, "kid": kid, "use": "sig", "alg": "EdDSA"}


def jwks() -> dict[str, Any]:
    return {"keys": [public_jwk()]}
