"""PostgreSQL refuses any UPDATE or DELETE of the membership log, except setting its user or
actor to NULL when that person is deleted (passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    append_only.refuse(
        schema_editor,
        apps.get_model("accounts", "MembershipLog"),
        update=True,
        nullable=("user_id", "actor_id"),
    )


def backwards(apps, schema_editor):
    append_only.allow(schema_editor, apps.get_model("accounts", "MembershipLog"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("accounts", "0003_invitations_and_membership_log"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
