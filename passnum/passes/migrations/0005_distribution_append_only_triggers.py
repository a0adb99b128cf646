"""PostgreSQL refuses any UPDATE or DELETE of booklet movements and pass replacements, and any
DELETE of hand-outs (whose pseudonymous reference is purged by an UPDATE)
(passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    for name in ("BookletAssignment", "PassReplacement"):
        append_only.refuse(schema_editor, apps.get_model("passes", name), update=True)
    append_only.refuse(schema_editor, apps.get_model("passes", "HandOut"), update=False)


def backwards(apps, schema_editor):
    for name in ("BookletAssignment", "PassReplacement", "HandOut"):
        append_only.allow(schema_editor, apps.get_model("passes", name))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("passes", "0004_distribution_and_reissue"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
