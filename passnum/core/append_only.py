"""The database as last line of defence: PostgreSQL triggers that refuse UPDATE or DELETE of rows
money or audit depends on (postings, ledger transactions, transition logs; DELETE of passes,
booklets, orders, redemptions). Services never do either; the back-office shows these rows
read-only; the triggers catch the rest (a shell, a script, raw SQL).

Used by migrations only (`refuse` forwards, `allow` backwards), so keep these names stable. Other
databases (SQLite, the embedded default) get no trigger. Row triggers do not see TRUNCATE, which
is how the test suite empties PostgreSQL between transactional tests.
"""

from typing import Any

FUNCTION = "passnum_refuse_change"
TRIGGER = "passnum_append_only"

# TG_ARGV names the columns an UPDATE may set to NULL (a foreign key with on_delete=SET_NULL,
# e.g. a log's user once the person is deleted); any other change is refused.
CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    nullable text;
    before jsonb;
    after jsonb;
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0 THEN
        before := to_jsonb(OLD);
        after := to_jsonb(NEW);
        FOREACH nullable IN ARRAY TG_ARGV LOOP
            IF after -> nullable = 'null'::jsonb THEN
                before := before - nullable;
                after := after - nullable;
            END IF;
        END LOOP;
        IF before = after THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'passnum: % refused on %: its rows are kept as written', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$
"""


def _applies(schema_editor: Any) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create_function(schema_editor: Any) -> None:
    if _applies(schema_editor):
        schema_editor.execute(CREATE_FUNCTION, params=None)


def drop_function(schema_editor: Any) -> None:
    if _applies(schema_editor):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def refuse(schema_editor: Any, model: Any, *, update: bool, nullable: tuple[str, ...] = ()) -> None:
    """Refuse DELETE (and UPDATE if `update`) of the model's rows; `nullable`: columns an UPDATE
    may still set to NULL."""
    if not _applies(schema_editor):
        return
    table = schema_editor.quote_name(model._meta.db_table)
    events = "UPDATE OR DELETE" if update else "DELETE"
    if not all(column.isidentifier() for column in nullable):
        raise ValueError(f"not column names: {nullable}")
    arguments = ", ".join(f"'{column}'" for column in nullable)
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE {events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({arguments})"
    )


def allow(schema_editor: Any, model: Any) -> None:
    if _applies(schema_editor):
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")


def refuse_changes_except(schema_editor: Any, model: Any, *, mutable: tuple[str, ...]) -> None:
    """Refuse DELETE of the model's rows, and any UPDATE that changes a column other than
    `mutable` (a workflow's status columns): the amounts and snapshots stay as written."""
    if not _applies(schema_editor):
        return
    if not mutable or not all(column.isidentifier() for column in mutable):
        raise ValueError(f"not column names: {mutable}")
    table = schema_editor.quote_name(model._meta.db_table)
    columns = "ARRAY[" + ", ".join(f"'{column}'" for column in mutable) + "]"
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER}_update BEFORE UPDATE ON {table} FOR EACH ROW "
        f"WHEN ((to_jsonb(OLD) - {columns}::text[]) IS DISTINCT FROM "
        f"(to_jsonb(NEW) - {columns}::text[])) EXECUTE FUNCTION {FUNCTION}()"
    )


def allow_changes(schema_editor: Any, model: Any) -> None:
    """Backwards of `refuse_changes_except`."""
    if _applies(schema_editor):
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_update ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
