"""What each unpaid redemption is worth to its provider, computed in SQL with the split of
`redemptions.postings.split_redemption` (per redemption and per order: fee = face × downstream
fee rate, VAT = fee × VAT rate, fund = face × fund rate, each rounded half up to the cent), so
the cents agree exactly with what the redemption credited to the provider's payable account.

One query shape, two uses: per provider (the transfers' totals) and per redemption (the lines,
written by INSERT … SELECT). Runs on PostgreSQL and SQLite alike (integer arithmetic only).
"""

import datetime
import functools
from typing import Any

from passnum.orders.models import Order
from passnum.passes.models import Pass
from passnum.payouts.models import PayoutLine
from passnum.redemptions.models import Redemption, RedemptionLine


def _half_up(amount: str, rate: str) -> str:
    """`core.money.apply_rate` in SQL (amounts and rates are never negative)."""
    return f"(({amount}) * ({rate}) + 5000) / 10000"


def _eligible_sql() -> str:
    """(redemption_id, provider_id) of the redemptions made before %(cutoff)s, not undone and not
    paid by a live payout line (the partial unique index of the live lines serves the anti-join)."""
    return f"""
SELECT r.id AS redemption_id, r.organisation_id AS provider_id
FROM {Redemption._meta.db_table} r
WHERE r.undone_at IS NULL AND r.created_at < %(cutoff)s
  AND NOT EXISTS (
      SELECT 1 FROM {PayoutLine._meta.db_table} pl
      WHERE pl.redemption_id = r.id AND pl.released = %(false)s
  )"""  # noqa: S608


def _split_sql(eligible: str) -> str:
    """The `WITH` clause of `unpaid_split_sql`, over `eligible` (a table or a subquery)."""
    return f"""
WITH per_order AS (
    SELECT e.redemption_id, e.provider_id, COUNT(*) AS passes,
        COUNT(*) * o.face_value_cents AS face, o.downstream_fee_bps AS fee_bps,
        o.vat_bps AS vat_bps, o.fund_bps AS fund_bps
    FROM {eligible} e
    JOIN {RedemptionLine._meta.db_table} l
        ON l.redemption_id = e.redemption_id AND l.undone = %(false)s
    JOIN {Pass._meta.db_table} p ON p.id = l.pass_id
    JOIN {Order._meta.db_table} o ON o.id = p.order_id
    GROUP BY e.redemption_id, e.provider_id, o.id, o.face_value_cents, o.downstream_fee_bps,
        o.vat_bps, o.fund_bps
), fees AS (
    SELECT redemption_id, provider_id, passes, face, {_half_up("face", "fee_bps")} AS fee,
        vat_bps, {_half_up("face", "fund_bps")} AS fund
    FROM per_order
), split AS (
    SELECT redemption_id, provider_id, passes, face, fee, {_half_up("fee", "vat_bps")} AS vat,
        fund
    FROM fees
), unpaid AS (
    SELECT redemption_id, provider_id, SUM(passes) AS passes, SUM(face) AS gross,
        SUM(fee) AS fee, SUM(vat) AS vat, SUM(fund) AS fund, SUM(face - fee - vat) AS net
    FROM split
    GROUP BY redemption_id, provider_id
)"""  # noqa: S608


@functools.cache
def unpaid_split_sql() -> str:
    """A `WITH` clause defining `unpaid(redemption_id, provider_id, passes, gross, fee, vat,
    fund, net)`: the redemptions made before %(cutoff)s, not undone and not paid by a live
    payout line, with their figures."""
    return _split_sql(f"({_eligible_sql()})")


ELIGIBLE_TABLE = "payout_eligible"
UNPAID_TABLE = "payout_unpaid"


@functools.cache
def create_eligible_table_sql() -> str:
    """A temporary table of the redemptions to pay (no figures yet). Apart, so that PostgreSQL
    joins their lines and passes knowing how many they are: once months of paid redemptions
    are in the tables, the anti-join leaves this month's, and only theirs are looked up."""
    return f"CREATE TEMP TABLE {ELIGIBLE_TABLE} AS {_eligible_sql()}"


@functools.cache
def create_unpaid_table_sql() -> str:
    """A temporary table of the unpaid redemptions and their figures (from the eligible table):
    computed once per run, read for the transfers' totals and again for the lines."""
    return f"CREATE TEMP TABLE {UNPAID_TABLE} AS {_split_sql(ELIGIBLE_TABLE)} SELECT * FROM unpaid"  # noqa: S608


TOTALS_BY_PROVIDER_SQL = f"""
SELECT provider_id, COUNT(*), SUM(passes), SUM(gross), SUM(fee), SUM(vat), SUM(fund), SUM(net)
FROM {UNPAID_TABLE} GROUP BY provider_id ORDER BY provider_id"""  # noqa: S608


def split_params(cutoff: datetime.datetime) -> dict[str, Any]:
    from django.db import connection

    return {"cutoff": connection.ops.adapt_datetimefield_value(cutoff), "false": False}
