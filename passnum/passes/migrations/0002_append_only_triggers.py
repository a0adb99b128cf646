"""PostgreSQL refuses any UPDATE or DELETE of pass events, and DELETE of passes and booklets
(passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    append_only.refuse(schema_editor, apps.get_model("passes", "PassEvent"), update=True)
    for name in ("Pass", "Booklet"):
        append_only.refuse(schema_editor, apps.get_model("passes", name), update=False)


def backwards(apps, schema_editor):
    for name in ("PassEvent", "Pass", "Booklet"):
        append_only.allow(schema_editor, apps.get_model("passes", name))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("passes", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
