"""PostgreSQL: an order may be deleted only while it is a draft, and nothing turns an order back
into a draft (which would make it deletable). Replaces the DELETE trigger of
0002_append_only_triggers on orders (passnum/core/append_only.py) with the same function under a
condition: drafts are the only orders that are not yet a contract."""

from django.db import migrations

from passnum.core import append_only

DRAFT = "draft"
BACK_TO_DRAFT = "passnum_no_back_to_draft"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("orders", "Order")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {append_only.TRIGGER} ON {table}")
    schema_editor.execute(
        f"CREATE TRIGGER {append_only.TRIGGER} BEFORE DELETE ON {table} FOR EACH ROW "
        f"WHEN (OLD.status <> '{DRAFT}') EXECUTE FUNCTION {append_only.FUNCTION}()"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {BACK_TO_DRAFT} BEFORE UPDATE ON {table} FOR EACH ROW "
        f"WHEN (OLD.status <> '{DRAFT}' AND NEW.status = '{DRAFT}') "
        f"EXECUTE FUNCTION {append_only.FUNCTION}()"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("orders", "Order")
    table = schema_editor.quote_name(model._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {BACK_TO_DRAFT} ON {table}")
    append_only.allow(schema_editor, model)
    append_only.refuse(schema_editor, model, update=False)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_drafts_printing_and_proof"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
