"""Model instances from hand-written SELECTs, for the few reads on the redemption hot path.

Compiling a queryset costs about as much as running its query (~0.5–1 ms per query in
django-ninja's request); these reads are fixed, so their SQL is written once and the rows become
ordinary model instances (deferred fields load on access) through the same converters the ORM
applies. Use it only where a benchmark shows the ORM's cost; everything else uses querysets.

On PostgreSQL, `prepared_cursor` also lets the server parse and plan such a statement once per
connection instead of on every request (about a third of PostgreSQL's CPU per scan).
"""

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]
M = TypeVar("M", bound=Model)


class Columns(Generic[M]):
    """Some fields of a model, selected under a table alias, turned back into an instance.

    The columns come in the model's field order, whatever the order of `fields`."""

    def __init__(self, model: type[M], fields: Sequence[str], alias: str) -> None:
        self.model = model
        wanted = {model._meta.get_field(name) for name in fields}
        # Model.from_db takes the values in the model's field order.
        self.fields: list[Field] = [f for f in model._meta.concrete_fields if f in wanted]
        assert len(self.fields) == len(wanted), f"not all concrete: {fields}"
        self.alias = alias
        self.attnames = [field.attname for field in self.fields]

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self, db: str) -> str:
        quote = connections[db].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(field.column))}" for field in self.fields)

    def build(self, db: str, values: Sequence[Any]) -> M:
        """An instance from this slice of a row (values in the order of `fields`)."""
        connection = connections[db]
        converted = list(values)
        for index, column, converters in _converters_of(self.model, tuple(self.attnames), db):
            value = converted[index]
            for converter in converters:
                value = converter(value, column, connection)
            converted[index] = value
        return self.model.from_db(db, self.attnames, converted)


@functools.cache
def _converters_of(
    model: type[Model], attnames: tuple[str, ...], db: str
) -> list[tuple[int, Any, list[Converter]]]:
    """What the ORM's compiler would apply to each column (only those with converters)."""
    connection = connections[db]
    result = []
    for index, attname in enumerate(attnames):
        field = next(f for f in model._meta.concrete_fields if f.attname == attname)
        column = field.get_col(model._meta.db_table)
        converters = list(connection.ops.get_db_converters(column)) + list(
            field.get_db_converters(connection)
        )
        if converters:
            result.append((index, column, converters))
    return result


@contextmanager
def prepared_cursor(db: str) -> Iterator[Any]:
    """A Django cursor (its error wrapping, query log and transaction) over a psycopg cursor
    that binds parameters server-side, so that PostgreSQL prepares each statement on its second
    use on this connection (a connection opened for one request never pays the preparation).
    Django's own cursors bind client-side and never prepare. Elsewhere, or with
    PASSNUM_PREPARED_STATEMENTS off, the usual cursor. For the fixed statements of this module's
    callers only."""
    connection = connections[db]
    if connection.vendor != "postgresql" or not settings.PASSNUM_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    # What connection.cursor() does, with our psycopg cursor instead of Django's ClientCursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw_connection = connection.connection
        raw_connection.prepare_threshold = 1  # only server-side binding cursors prepare
        # The stubs type make_cursor's argument as Django's wrapper; it is the driver's cursor.
        raw_cursor: Any = psycopg.Cursor(raw_connection)
    wrapped = (
        connection.make_debug_cursor(raw_cursor)
        if connection.queries_logged
        else connection.make_cursor(raw_cursor)
    )
    with wrapped as cursor:
        yield cursor
