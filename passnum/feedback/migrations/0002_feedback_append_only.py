"""PostgreSQL refuses any UPDATE or DELETE of feedback: given once, kept as given
(passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    append_only.refuse(schema_editor, apps.get_model("feedback", "Feedback"), update=True)


def backwards(apps, schema_editor):
    append_only.allow(schema_editor, apps.get_model("feedback", "Feedback"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("feedback", "0001_feedback"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
