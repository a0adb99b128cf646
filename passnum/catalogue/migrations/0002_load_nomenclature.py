from django.db import migrations


def load(apps, schema_editor):
    from passnum.catalogue.loading import load_nomenclature

    load_nomenclature(
        apps.get_model("catalogue", "Competence"),
        apps.get_model("catalogue", "ServiceFamily"),
        apps.get_model("catalogue", "Service"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
