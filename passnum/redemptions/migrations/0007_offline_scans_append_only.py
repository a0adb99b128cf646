"""PostgreSQL refuses UPDATE and DELETE of offline scans, except setting their member to NULL
when that person is deleted (passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    append_only.refuse(
        schema_editor,
        apps.get_model("redemptions", "OfflineScan"),
        update=True,
        nullable=("member_id",),
    )


def backwards(apps, schema_editor):
    append_only.allow(schema_editor, apps.get_model("redemptions", "OfflineScan"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("redemptions", "0006_offline_scans"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
