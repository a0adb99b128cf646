"""PostgreSQL refuses any UPDATE or DELETE of the place and file transition logs
(passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    for name in ("PlaceTransition", "FileTransition"):
        append_only.refuse(schema_editor, apps.get_model("places", name), update=True)


def backwards(apps, schema_editor):
    for name in ("PlaceTransition", "FileTransition"):
        append_only.allow(schema_editor, apps.get_model("places", name))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("places", "0006_publics_gin_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
