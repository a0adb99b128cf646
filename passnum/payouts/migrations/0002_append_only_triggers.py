"""PostgreSQL keeps payouts as written (passnum/core/append_only.py): no row is ever deleted; the
log and the carried providers never change; runs, transfers and lines change only their status
columns (a run executed, a transfer rejected or carried, a line released by a rejection)."""

from django.db import migrations

from passnum.core import append_only

MUTABLE = {
    "PayoutRun": ("status", "executed_on"),
    "PayoutTransfer": ("status", "reversal_transaction_id"),
    "PayoutLine": ("released",),
}


def forwards(apps, schema_editor):
    for name in ("PayoutLog", "CarriedProvider"):
        append_only.refuse(schema_editor, apps.get_model("payouts", name), update=True)
    for name, columns in MUTABLE.items():
        append_only.refuse_changes_except(
            schema_editor, apps.get_model("payouts", name), mutable=columns
        )


def backwards(apps, schema_editor):
    for name in ("PayoutLog", "CarriedProvider"):
        append_only.allow(schema_editor, apps.get_model("payouts", name))
    for name in MUTABLE:
        append_only.allow_changes(schema_editor, apps.get_model("payouts", name))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_function"),
        ("payouts", "0001_payout_runs_transfers_lines"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
