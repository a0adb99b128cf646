from django.db import migrations


def load(apps, schema_editor):
    from passnum.geography.loading import load_cog

    load_cog(
        region_model=apps.get_model("geography", "Region"),
        departement_model=apps.get_model("geography", "Departement"),
        epci_model=apps.get_model("geography", "Epci"),
        commune_model=apps.get_model("geography", "Commune"),
        postcode_model=apps.get_model("geography", "CommunePostcode"),
        using=schema_editor.connection.alias,
    )


def unload(apps, schema_editor):
    for name in ("CommunePostcode", "Commune", "Epci", "Departement", "Region"):
        apps.get_model("geography", name).objects.using(schema_editor.connection.alias).delete()


class Migration(migrations.Migration):
    dependencies = [("geography", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
