"""Pass codes: unguessable, typeable, self-checking.

A code is 14 random characters and 1 check character from a 31-character alphabet that leaves
out the look-alikes 0/O, 1/I/L: 14 × log2(31) ≈ 69.4 random bits. Printed in three groups of
five (``K7PQ2-XM4RT-9HWAC``); typed with or without dashes, spaces, in any case.

The check character makes the weighted sum ``Σ wᵢ·vᵢ ≡ 0 (mod 31)`` with ``wᵢ = 3ⁱ mod 31``.
31 is prime and 3 is a primitive root, so the 15 weights are distinct and non-zero: any single
wrong character, and any swap of two different characters (adjacent or not), breaks the sum.
"""

import os

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31, a prime
BODY_LENGTH = 14
CODE_LENGTH = BODY_LENGTH + 1
GROUP = 5
# Weight of position i (0-based, check character last) is 3^(i+1) mod 31; the check has weight 1.
WEIGHTS = [pow(3, i + 1, BASE) for i in range(BODY_LENGTH)] + [1]
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
# Per-position lookup tables: char → weighted value mod 31 (speeds bulk generation).
_WEIGHTED = [{char: (w * v) % BASE for char, v in _VALUE.items()} for w in WEIGHTS[:BODY_LENGTH]]
# Random bytes below 248 (= 8 × 31) map uniformly onto the alphabet; the rest are dropped.
_LIMIT = (256 // BASE) * BASE
_TRANSLATE = bytes(ord(ALPHABET[b % BASE]) if b < _LIMIT else 0 for b in range(256))
_DROP = bytes(range(_LIMIT, 256))
_SEPARATORS = str.maketrans("", "", " -._\t")

assert BASE == 31 and len(set(WEIGHTS)) == CODE_LENGTH and 0 not in WEIGHTS


def check_character(body: str) -> str:
    total = 0
    for table, char in zip(_WEIGHTED, body, strict=True):
        total += table[char]
    return ALPHABET[(-total) % BASE]


def new_codes(count: int) -> list[str]:
    """`count` fresh random codes, without separators (uniqueness is the database's job)."""
    needed = count * BODY_LENGTH
    pool = bytearray()
    while len(pool) < needed:
        missing = needed - len(pool)
        pool += os.urandom(missing + missing // 20 + 64).translate(_TRANSLATE, _DROP)
    text = pool[:needed].decode("ascii")
    codes = []
    for start in range(0, needed, BODY_LENGTH):
        body = text[start : start + BODY_LENGTH]
        codes.append(body + check_character(body))
    return codes


def normalise(raw: str) -> str:
    """What the person typed or the scanner sent, as stored: upper case, no separators."""
    return raw.translate(_SEPARATORS).upper()


class CodeProblem:
    MALFORMED = "malformed_code"
    BAD_CHECK = "bad_check_character"


def problem_with(code: str) -> str | None:
    """None if `code` (normalised) is well formed, else the reason code."""
    if len(code) != CODE_LENGTH or any(char not in _VALUE for char in code):
        return CodeProblem.MALFORMED
    if check_character(code[:BODY_LENGTH]) != code[BODY_LENGTH]:
        return CodeProblem.BAD_CHECK
    return None


def display(code: str) -> str:
    """Grouped for reading and printing: XXXXX-XXXXX-XXXXX."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
