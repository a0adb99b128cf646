"""PostgreSQL keeps badges as awarded (passnum/core/append_only.py): no row is ever deleted, and
an UPDATE may change only the revocation columns and the holder's name (the services set each
once: a badge revoked with a reason; a name added by its holder to a badge that had none)."""

from django.db import migrations

from passnum.core import append_only

MUTABLE = ("holder_name", "revoked_at", "revoked_by_id", "revoke_reason")


def forwards(apps, schema_editor):
    append_only.refuse_changes_except(
        schema_editor, apps.get_model("badges", "Badge"), mutable=MUTABLE
    )


def backwards(apps, schema_editor):
    append_only.allow_changes(schema_editor, apps.get_model("badges", "Badge"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("badges", "0001_badges"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
