"""A big file imports correctly, in a bounded number of queries (the import loads what it needs
beforehand and writes by chunks); bench/import_places.py measures 10,000 lines on PostgreSQL."""

import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passnum.accounts.models import Organisation
from passnum.geography.models import Commune
from passnum.places.models import Place
from passnum.places.standard import import_places
from passnum.places.standard_import import CHUNK_SIZE
from tests.places.standard_csv import csv_text, line, siret

pytestmark = pytest.mark.django_db

LINES = 2_000
STRUCTURES = 400


def big_file() -> tuple[str, int]:
    """LINES lines in real communes (one of the first 50 of each of 20 départements), each
    structure having several places, every 20th line broken; returns the text and how many are."""
    pick = random.Random(7)
    communes = list(
        Commune.objects.filter(parent=None, departement__in=[f"{n:02d}" for n in range(1, 21)])
        .prefetch_related("postcodes")
        .order_by("code")[:1000]
    )
    lines, broken = [], 0
    for number in range(LINES):
        commune = pick.choice(communes)
        values = {
            "id": f"lieu-{number}",
            "pivot": siret(10_000 + number % STRUCTURES, establishment=number),
            "nom": f"Lieu {number}",
            "commune": commune.name,
            "code_postal": commune.postcodes.all()[0].postcode,
            "code_insee": commune.code,
            "latitude": "",
            "longitude": "",
        }
        if number % 20 == 19:
            values["horaires"] = "le matin"
            broken += 1
        lines.append(line(**values))
    return csv_text(lines), broken


def test_a_big_file_imports_correctly_in_few_queries(operator):
    text, broken = big_file()
    with CaptureQueriesContext(connection) as queries:
        report = import_places(acting=operator, stream=io.StringIO(text), source="big")
    assert report.count("created") == LINES - broken and report.count("rejected") == broken
    assert Place.objects.filter(source="big").count() == LINES - broken
    assert Place.objects.filter(source="big", location_approximate=True).count() == LINES - broken
    structures = {n % STRUCTURES for n in range(LINES) if n % 20 != 19}
    assert Organisation.objects.filter(name__startswith="Lieu ").count() == len(structures)
    chunks = -(-(LINES - broken) // CHUNK_SIZE)
    # loading, then per chunk: transaction, organisations, their accounts, lock, insert
    assert len(queries) <= 8 + 4 * chunks, len(queries)

    again = import_places(acting=operator, stream=io.StringIO(text), source="big")
    assert again.count("updated") == LINES - broken and again.count("created") == 0


def test_a_chunk_that_conflicts_goes_line_by_line_through_the_service(operator, monkeypatch):
    from django.db import IntegrityError

    from passnum.places import standard_import

    def conflict(rows):
        raise IntegrityError("another import of the same source came first")

    monkeypatch.setattr(standard_import, "insert_places", conflict)
    lines = [line(), line(id="b", latitude="", longitude="", pivot=siret(3))]
    report = import_places(acting=operator, stream=io.StringIO(csv_text(lines)), source="c")
    assert [result.outcome for result in report.lines] == ["created", "created"]
    placed = Place.objects.get(source="c", source_id="b")
    assert placed.location_approximate and placed.organisation.siren == siret(3)[:9]


def test_a_crash_in_the_middle_leaves_whole_chunks(operator, monkeypatch):
    from passnum.places import standard_import

    monkeypatch.setattr(standard_import, "CHUNK_SIZE", 2)
    real, calls = standard_import.insert_places, []

    def crash_on_the_second_chunk(rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("killed")
        real(rows)

    monkeypatch.setattr(standard_import, "insert_places", crash_on_the_second_chunk)
    lines = [line(id=f"l{n}", pivot=siret(20 + n)) for n in range(5)]
    with pytest.raises(RuntimeError):
        import_places(acting=operator, stream=io.StringIO(csv_text(lines)), source="k")
    assert sorted(Place.objects.filter(source="k").values_list("source_id", flat=True)) == [
        "l0",
        "l1",
    ]
    assert not Organisation.objects.filter(siren=siret(22)[:9]).exists()  # rolled back too
