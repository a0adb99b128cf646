from django.db import migrations


def fill(apps, schema_editor):
    from passnum.catalogue.loading import fill_english

    fill_english(
        apps.get_model("catalogue", "Competence"),
        apps.get_model("catalogue", "ServiceFamily"),
        apps.get_model("catalogue", "Service"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_english_domain_and_description")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
