"""Loads the shipped COG file (data/cog-<year>.json.gz, built by scripts/build_geography.py).

Used by the data migration with historical models: plain bulk inserts into empty tables. A later
COG vintage needs its own migration (communes merge, codes change), not a second run of this one.
"""

import gzip
import json
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from passnum.geography.search import normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
COG_2026 = DATA_DIR / "cog-2026.json.gz"
CENTRES_2026 = DATA_DIR / "commune-centres-2026.json.gz"
BATCH_SIZE = 5000


def read_cog(path: Path = COG_2026) -> dict[str, list[dict[str, Any]]]:
    """The file's tables as lists of dicts (field name → value)."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        data = json.load(stream)
    tables = {}
    for table in ("regions", "departements", "epci", "communes"):
        fields = data[table]["fields"]
        tables[table] = [dict(zip(fields, row, strict=True)) for row in data[table]["rows"]]
    return tables


def load_cog(
    *,
    region_model: Any,
    departement_model: Any,
    epci_model: Any,
    commune_model: Any,
    postcode_model: Any,
    path: Path = COG_2026,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    tables = read_cog(path)
    region_model.objects.using(using).bulk_create(
        [region_model(code=r["code"], name=r["name"]) for r in tables["regions"]]
    )
    departement_model.objects.using(using).bulk_create(
        [
            departement_model(code=d["code"], name=d["name"], region_id=d["region"])
            for d in tables["departements"]
        ]
    )
    epci_model.objects.using(using).bulk_create(
        [epci_model(siren=e["siren"], name=e["name"], kind=e["kind"]) for e in tables["epci"]],
        batch_size=BATCH_SIZE,
    )
    # The two big tables (35,000 rows each) skip bulk_create: building a model instance and SQL
    # placeholders per value took ~4 s on SQLite, executemany (COPY on PostgreSQL) well under 1 s.
    # Table and column names come from the (historical) models given.
    # Sorted by code, so Paris, Lyon and Marseille come before their arrondissements.
    _insert_rows(
        commune_model,
        [
            "code",
            "name",
            "search_name",
            "departement",
            "region",
            "epci",
            "population",
            "parent",
        ],
        [
            (
                c["code"],
                c["name"],
                normalise(c["name"]),
                c["departement"],
                c["region"],
                c["epci"],
                c["population"],
                c["parent"],
            )
            for c in tables["communes"]
        ],
        using,
    )
    _insert_rows(
        postcode_model,
        ["commune", "postcode"],
        [(c["code"], postcode) for c in tables["communes"] for postcode in c["postcodes"]],
        using,
    )


def read_centres(path: Path = CENTRES_2026) -> list[tuple[str, str, str]]:
    """(code, latitude, longitude) of every commune, as decimal strings (5 places)."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        data = json.load(stream)
    return [(code, f"{lat:.5f}", f"{lon:.5f}") for code, lat, lon in data["rows"]]


def load_centres(
    *, commune_model: Any, path: Path = CENTRES_2026, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Set every commune's centre (scripts/build_commune_centres.py): on PostgreSQL one UPDATE
    from a COPYed temporary table, elsewhere executemany."""
    rows = read_centres(path)
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(commune_model._meta.db_table)
    code, lat, lon = (
        quote(commune_model._meta.get_field(name).column)
        for name in ("code", "latitude", "longitude")
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMPORARY TABLE commune_centre (code text, lat numeric, lon numeric) "
                "ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY commune_centre (code, lat, lon) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {table} SET {lat} = c.lat, {lon} = c.lon "  # noqa: S608
                f"FROM commune_centre c WHERE {table}.{code} = c.code"
            )
            return
        cursor.executemany(
            f"UPDATE {table} SET {lat} = %s, {lon} = %s WHERE {code} = %s",  # noqa: S608
            [(latitude, longitude, commune) for commune, latitude, longitude in rows],
        )


def _insert_rows(
    model: Any, field_names: list[str], rows: list[tuple[Any, ...]], using: str
) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in field_names)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(field_names))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                rows[start : start + BATCH_SIZE],
            )
