"""Places without a position are placed at their commune's centre, marked approximate."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def place_at_commune_centres(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    Commune = apps.get_model("geography", "Commune")
    using = schema_editor.connection.alias
    communes = Commune.objects.using(using).filter(
        code=OuterRef("commune_code"), latitude__isnull=False
    )
    Place.objects.using(using).filter(Exists(communes), latitude=None, longitude=None).update(
        latitude=Subquery(communes.values("latitude")[:1]),
        longitude=Subquery(communes.values("longitude")[:1]),
        location_approximate=True,
    )


def forget_commune_centres(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    Place.objects.using(schema_editor.connection.alias).filter(location_approximate=True).update(
        latitude=None, longitude=None, location_approximate=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("geography", "0003_commune_centres"),
        ("places", "0007_append_only_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="place",
            name="location_approximate",
            field=models.BooleanField(default=False, verbose_name="emplacement approximatif"),
        ),
        migrations.RunPython(place_at_commune_centres, forget_commune_centres),
    ]
