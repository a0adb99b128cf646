"""A GIN index on the publics of qualified places (PostgreSQL only): the public search by
public (`publics @> '["Seniors"]'`, places/search.py JSONListHas) with a family went from
p95 41 ms to 28 ms over 20,000 places (bench/search_places.py). SQLite has no GIN: nothing."""

from django.db import migrations

INDEX = "place_public_publics_gin_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON places_place "
            "USING gin (publics jsonb_path_ops) WHERE qualification_status = 'qualified'"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("places", "0005_public_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
