"""PostgreSQL refuses any UPDATE or DELETE of ledger transactions and postings
(passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    for name in ("LedgerTransaction", "Posting"):
        append_only.refuse(schema_editor, apps.get_model("ledger", name), update=True)


def backwards(apps, schema_editor):
    for name in ("LedgerTransaction", "Posting"):
        append_only.allow(schema_editor, apps.get_model("ledger", name))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("ledger", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
