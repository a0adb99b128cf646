"""PostgreSQL refuses DELETE of redemptions and their lines: an undo is recorded on them, never
as a deletion (passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    for name in ("Redemption", "RedemptionLine"):
        append_only.refuse(schema_editor, apps.get_model("redemptions", name), update=False)


def backwards(apps, schema_editor):
    for name in ("Redemption", "RedemptionLine"):
        append_only.allow(schema_editor, apps.get_model("redemptions", name))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("redemptions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
