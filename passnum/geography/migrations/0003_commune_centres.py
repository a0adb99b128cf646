from django.db import migrations, models


def load(apps, schema_editor):
    from passnum.geography.loading import load_centres

    load_centres(
        commune_model=apps.get_model("geography", "Commune"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("geography", "0002_load_cog_2026")]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="latitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                max_digits=8,
                null=True,
                verbose_name="latitude du centre",
            ),
        ),
        migrations.AddField(
            model_name="commune",
            name="longitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                max_digits=8,
                null=True,
                verbose_name="longitude du centre",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
