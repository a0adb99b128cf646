"""The trigger function that refuses UPDATE/DELETE of append-only rows (PostgreSQL only); each
app's migration puts it on its own tables (see passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    append_only.create_function(schema_editor)


def backwards(apps, schema_editor):
    append_only.drop_function(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
