"""PostgreSQL refuses any UPDATE or DELETE of order transitions, and DELETE of orders: there is
no draft order, every order is a contract (passnum/core/append_only.py)."""

from django.db import migrations

from passnum.core import append_only


def forwards(apps, schema_editor):
    append_only.refuse(schema_editor, apps.get_model("orders", "OrderTransition"), update=True)
    append_only.refuse(schema_editor, apps.get_model("orders", "Order"), update=False)


def backwards(apps, schema_editor):
    for name in ("OrderTransition", "Order"):
        append_only.allow(schema_editor, apps.get_model("orders", name))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("orders", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
