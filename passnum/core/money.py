"""Money arithmetic on integer cents and basis points. No floats anywhere.

Rounding rule (documented in docs/architecture.md): a rate is applied to a total with
ROUND_HALF_UP to the cent, once per order and per operation, never per pass then summed.
"""


def apply_rate(amount_cents: int, rate_bps: int) -> int:
    """`amount_cents × rate_bps / 10 000`, rounded half up to the cent (amounts are ≥ 0)."""
    if amount_cents < 0 or rate_bps < 0:
        raise ValueError("apply_rate takes non-negative amounts and rates")
    return (amount_cents * rate_bps + 5_000) // 10_000


def format_euros(amount_cents: int) -> str:
    """French formatting: 1234567 → '12 345,67 €' (narrow no-break space between thousands)."""
    sign = "-" if amount_cents < 0 else ""
    euros, cents = divmod(abs(amount_cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{cents:02d}\u00a0€"


_EUROS_SEPARATORS = str.maketrans("", "", " \u00a0\u202f\u2009")


def parse_euros(text: str) -> int:
    """An amount typed in euros, French style, as exact cents: '1 234,56' → 123456, '12' → 1200,
    '0,5 €' → 50, '1234.56' → 123456. Spaces (also no-break ones) may group thousands; at most
    two decimals. ValueError for anything else (negative amounts included)."""
    compact = text.strip().removesuffix("€").translate(_EUROS_SEPARATORS).replace(",", ".")
    whole, dot, decimals = compact.partition(".")
    if not whole.isascii() or not whole.isdigit() or len(whole) > 15:
        raise ValueError(f"not an amount in euros: {text!r}")
    if dot and (not decimals.isascii() or not decimals.isdigit() or len(decimals) > 2):
        raise ValueError(f"not an amount in euros: {text!r}")
    return int(whole) * 100 + int(decimals.ljust(2, "0") if dot else "0")
