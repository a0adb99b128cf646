"""Bulk writing of booklets and passes: COPY on PostgreSQL, batched inserts elsewhere.

A million passes is a normal order (a whole département): this path never builds a model
instance per pass on PostgreSQL.
"""

import io

from django.db import connection

from passnum.orders.models import Order
from passnum.passes.models import Booklet, Pass

COPY_CHUNK = 100_000


def insert_booklets(*, order: Order, first_number: int, first_serial: int) -> list[int]:
    """Create the order's booklets; returns their ids in booklet order."""
    count, size = order.booklet_count, order.booklet_size
    if connection.vendor == "postgresql":
        table = Booklet._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table} (order_id, number, first_serial, last_serial)
                    SELECT %s, %s + i, %s + i * %s, %s + i * %s + %s - 1
                    FROM generate_series(0, %s - 1) AS i ORDER BY i
                    RETURNING id, number""",  # noqa: S608 (table name is ours)
                [order.pk, first_number, first_serial, size, first_serial, size, size, count],
            )
            rows = cursor.fetchall()
        return [row[0] for row in sorted(rows, key=lambda row: row[1])]
    booklets = Booklet.objects.bulk_create(
        [
            Booklet(
                order=order,
                number=first_number + i,
                first_serial=first_serial + i * size,
                last_serial=first_serial + (i + 1) * size - 1,
            )
            for i in range(count)
        ],
        batch_size=5000,
    )
    return [booklet.pk for booklet in booklets]


def insert_passes(
    *, order: Order, booklet_ids: list[int], first_serial: int, codes: list[str], status: str
) -> None:
    size = order.booklet_size
    if connection.vendor == "postgresql":
        _copy_passes(
            order=order,
            booklet_ids=booklet_ids,
            first_serial=first_serial,
            codes=codes,
            status=status,
        )
        return
    Pass.objects.bulk_create(
        (
            Pass(
                order=order,
                booklet_id=booklet_ids[i // size],
                serial=first_serial + i,
                code=code,
                status=status,
            )
            for i, code in enumerate(codes)
        ),
        batch_size=5000,
    )


def _copy_passes(
    *, order: Order, booklet_ids: list[int], first_serial: int, codes: list[str], status: str
) -> None:
    size, order_id = order.booklet_size, order.pk
    statement = (
        f"COPY {Pass._meta.db_table} (order_id, booklet_id, serial, code, status) FROM STDIN"
    )
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(codes), COPY_CHUNK):
            buffer = io.StringIO()
            buffer.writelines(
                f"{order_id}\t{booklet_ids[i // size]}\t{first_serial + i}\t{codes[i]}\t{status}\n"
                for i in range(start, min(start + COPY_CHUNK, len(codes)))
            )
            copy.write(buffer.getvalue())
