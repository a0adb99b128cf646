"""Many places written at once, for the national-standard import (standard_import.py), from
dicts of field values: no model instance nor SQL compilation per row.

- Insert: COPY on PostgreSQL, executemany elsewhere. Fields left out get their default
  (`auto_now`/`auto_now_add` ones: now).
- Update by primary key: on PostgreSQL the new values are COPYed into a temporary table and one
  `UPDATE … FROM` applies them; elsewhere executemany.

Values go through each field's `get_db_prep_save` where the database needs an adaptation
(JSON, UUID, dates, decimals); text, booleans and integers go as they are. The callers own the
transaction (these functions run inside it) and the checks: nothing here validates anything.
"""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import DateField, DecimalField, Field, JSONField, UUIDField
from django.utils import timezone

from passnum.places.models import Place

TABLE = Place._meta.db_table
PK_COLUMN: str = Place._meta.pk.column  # type: ignore[assignment]
ADAPTED = (JSONField, UUIDField, DateField, DecimalField)  # DateField: DateTimeField too


def _column(field: Field) -> tuple[str, Callable[[Any], Any]]:
    if isinstance(field, ADAPTED):
        return field.attname, lambda value: field.get_db_prep_save(value, connection)
    return field.attname, lambda value: value


def _missing(field: Field, now: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def insert_places(rows: list[dict[str, Any]]) -> None:
    """New places: each dict names fields by attribute name (`organisation_id`)."""
    if not rows:
        return
    fields = [field for field in Place._meta.concrete_fields if not field.primary_key]
    columns = [_column(field) for field in fields]
    now = timezone.now()
    values = [
        [
            adapt(row[name]) if name in row else adapt(_missing(field, now))
            for field, (name, adapt) in zip(fields, columns, strict=True)
        ]
        for row in rows
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(field.column)) for field in fields)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(TABLE)} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            f"INSERT INTO {quote(TABLE)} ({names}) VALUES ({placeholders})",  # noqa: S608
            values,
        )


def update_places(rows: list[dict[str, Any]], names: list[str]) -> None:
    """Set the fields `names` of existing places: each dict has the place's `id` and a value for
    every name (an `auto_now` field left out is set to now)."""
    if not rows:
        return
    fields: list[Field] = [Place._meta.get_field(name) for name in names]  # type: ignore[misc]
    columns = [_column(field) for field in fields]
    now = timezone.now()
    values = [
        [
            row["id"],
            *(
                adapt(row[name] if name in row or not getattr(field, "auto_now", False) else now)
                for field, (name, adapt) in zip(fields, columns, strict=True)
            ),
        ]
        for row in rows
    ]
    quote = connection.ops.quote_name
    pk = quote(PK_COLUMN)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            staging = "place_update_staging"
            listed = ", ".join([pk, *(quote(str(field.column)) for field in fields)])
            cursor.execute(f"DROP TABLE IF EXISTS {staging}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {listed} FROM {quote(TABLE)} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {staging} ({listed}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            assignments = ", ".join(
                f"{quote(str(field.column))} = s.{quote(str(field.column))}" for field in fields
            )
            cursor.execute(
                f"UPDATE {quote(TABLE)} AS p SET {assignments} "  # noqa: S608
                f"FROM {staging} AS s WHERE p.{pk} = s.{pk}"
            )
            cursor.execute(f"DROP TABLE {staging}")
            return
        assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
        cursor.executemany(
            f"UPDATE {quote(TABLE)} SET {assignments} WHERE {pk} = %s",  # noqa: S608
            [[*row[1:], row[0]] for row in values],
        )
