"""Which characters a text sent by someone may hold: one rule for the API, the services and the
request-hygiene middleware.

PostgreSQL refuses the NUL character in text (a 500 if it reaches a query), a lone surrogate
cannot be encoded to UTF-8, and the other control characters have no place in a label, a reason
or a code. Tab is allowed everywhere; line breaks only in multi-line texts (reasons).
"""

import re

# C0 controls but tab, DEL, and lone surrogates (JSON can spell them as "\ud800").
_SINGLE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# The same rules for the OpenAPI document (ECMA-262 regular expressions; surrogates left out:
# a client cannot send them in valid UTF-8 anyway).
SINGLE_LINE_PATTERN = r"^[^\u0000-\u0008\u000a-\u001f\u007f]*$"
MULTI_LINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


def has_forbidden_characters(value: str, *, multiline: bool = False) -> bool:
    """True if `value` holds a control character (NUL included) or a lone surrogate."""
    return bool((_MULTI_LINE if multiline else _SINGLE_LINE).search(value))


def ascii_int(value: str, *, max_digits: int = 15) -> int | None:
    """`value` as a non-negative integer if it is 1 to `max_digits` ASCII digits, else None.

    Not `str.isdigit()`: it accepts "²" or "٢", on which `int()` fails or which no form means."""
    value = value.strip()
    if not value or len(value) > max_digits or not value.isascii() or not value.isdigit():
        return None
    return int(value)
