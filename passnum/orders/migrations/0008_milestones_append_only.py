"""PostgreSQL refuses any UPDATE or DELETE of end-of-validity milestones: each is done once and
kept as written (passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    append_only.refuse(schema_editor, apps.get_model("orders", "OrderMilestone"), update=True)


def backwards(apps, schema_editor):
    append_only.allow(schema_editor, apps.get_model("orders", "OrderMilestone"))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_end_of_validity_milestones"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
