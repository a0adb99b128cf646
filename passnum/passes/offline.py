"""What a pass's QR code tells without a network: signed by the instance (`core/signing.py`),
the QR's URL carries after a `#` the pass's face value, its last day and a signature over them:

    https://passnum.example.org/p/ABCDE23456FGH7K#1000.20280131.<signature, base64url>

The part after `#` never reaches the server (browsers do not send it), so the pass page is
unchanged; the scanning page reads it from the QR and, offline, checks the signature with the
public key it was given (`/.well-known/jwks.json`). A valid signature proves the code was issued
here with this value and validity — not that the pass is still unused: offline scans are limited
and reconciled when the page is back online (issue #9).

Signed message: `passnum-pass-v1|<code>|<face value in cents>|<last day YYYYMMDD>`.
"""

import datetime
from dataclasses import dataclass

from passnum.core.signing import b64url, b64url_decode, sign, verify

VERSION = "passnum-pass-v1"


def _message(code: str, face_value_cents: int, last_day: datetime.date) -> bytes:
    return f"{VERSION}|{code}|{face_value_cents}|{last_day:%Y%m%d}".encode()


def pass_fragment(*, code: str, face_value_cents: int, last_day: datetime.date) -> str:
    """The text after `#` in the pass's QR URL."""
    signature = sign(_message(code, face_value_cents, last_day))
    return f"{face_value_cents}.{last_day:%Y%m%d}.{b64url(signature)}"


@dataclass(frozen=True)
class SignedPass:
    code: str
    face_value_cents: int
    last_day: datetime.date


def verify_fragment(*, code: str, fragment: str) -> SignedPass | None:
    """The signed facts of `code` if `fragment` is their valid signature, else None."""
    try:
        face, day, signature = fragment.split(".")
        face_value_cents = int(face)
        last_day = datetime.datetime.strptime(day, "%Y%m%d").date()
        raw = b64url_decode(signature)
    except ValueError:
        return None
    if not 0 < face_value_cents < 10**8 or len(raw) != 64:
        return None
    if not verify(_message(code, face_value_cents, last_day), raw):
        return None
    return SignedPass(code=code, face_value_cents=face_value_cents, last_day=last_day)
