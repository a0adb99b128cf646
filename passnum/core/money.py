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
