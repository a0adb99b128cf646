import uuid

from django.db import migrations, models


def fill_standard_ids(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    for place in Place.objects.filter(standard_id__isnull=True).only("pk"):
        Place.objects.filter(pk=place.pk).update(standard_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("places", "0002_place_details_and_service_offers")]

    operations = [
        migrations.RunPython(fill_standard_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="place",
            name="standard_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True,
                                   verbose_name="identifiant (standard national)"),
        ),
    ]
