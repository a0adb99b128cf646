import functools
from collections.abc import Iterable

from django.db import router

from passnum.core.rows import Columns, prepared_cursor
from passnum.orders.models import Order
from passnum.passes.models import Pass

_PASS = Columns(Pass, ["id", "order", "booklet", "serial", "code", "status"], "p")


@functools.cache
def _order_columns() -> Columns[Order]:
    return Columns(Order, [field.name for field in Order._meta.concrete_fields], "o")


@functools.lru_cache(maxsize=64)
def _passes_by_code_sql(db: str, count: int) -> str:
    # Table and column names come from the models; the codes are parameters.
    return (
        f"SELECT {_PASS.sql(db)}, {_order_columns().sql(db)} "  # noqa: S608
        f"FROM {Pass._meta.db_table} p JOIN {Order._meta.db_table} o ON o.id = p.order_id "
        f"WHERE p.code IN ({', '.join(['%s'] * count)})"
    )


def passes_by_code(codes: Iterable[str]) -> dict[str, Pass]:
    """Passes (with their order) for normalised codes; unknown codes are simply absent.

    A pass is a bearer instrument: knowing its code is what lets one use it, so a place may look
    any code up. What is shown about it is decided by the caller.

    Every scan runs this: hand-written SQL (core.rows), the same rows as
    `Pass.objects.select_related("order").filter(code__in=codes)`.
    """
    wanted = list(codes)
    if not wanted:
        return {}
    db = router.db_for_read(Pass)
    order_columns = _order_columns()
    with prepared_cursor(db) as cursor:
        cursor.execute(_passes_by_code_sql(db, len(wanted)), wanted)
        rows = cursor.fetchall()
    orders: dict[int, Order] = {}
    found: dict[str, Pass] = {}
    split = len(_PASS)
    for row in rows:
        item = _PASS.build(db, row[:split])
        order_id = row[split]
        if order_id not in orders:
            orders[order_id] = order_columns.build(db, row[split:])
        item.order = orders[order_id]
        found[item.code] = item
    return found
