"""Export and import in the national standard for digital-mediation places (v1.0.x), checked
with frictionless against the standard's own schema (../shared/data)."""

import io
import json
from pathlib import Path

import pytest
from frictionless import Resource, Schema

from passnum.places.enums import AccessMode, Public, QualificationStatus, SupportMode
from passnum.places.models import Place
from passnum.places.services import set_service_offer, update_place
from passnum.places.standard import export_rows, import_places, public_places, write_csv
from tests.factories import PlaceFactory, a_service

pytestmark = pytest.mark.django_db

STANDARD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "standard-mediation-num"


def validate(csv_text: str):
    descriptor = json.loads((STANDARD / "schema.json").read_text(encoding="utf-8"))
    schema = Schema.from_descriptor(descriptor)
    return Resource(csv_text.encode(), format="csv", schema=schema).validate()


def exported() -> str:
    stream = io.StringIO()
    write_csv(export_rows(public_places()), stream)
    return stream.getvalue()


def test_the_export_of_qualified_places_is_valid_against_the_schema(provider):
    place = PlaceFactory(organisation=provider.organisation)
    update_place(
        acting=provider,
        place=place,
        phone="05 56 00 00 00",
        opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
        publics=[Public.SENIORS, Public.YOUNG],
        access_modes=[AccessMode.WALK_IN],
        support_modes=[SupportMode.INDIVIDUAL, SupportMode.WORKSHOP],
        presentation="Un espace public numérique au cœur du quartier.",
    )
    set_service_offer(
        acting=provider,
        place=place,
        service=a_service("messagerie"),
        price_cents=1000,
        passes_needed=1,
        duration_minutes=60,
    )
    PlaceFactory(organisation=provider.organisation, siret="")  # no SIRET: the SIREN is used
    text = exported()
    report = validate(text)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    assert "Seniors|Jeunes" in text and "+33556000000" in text
    assert "Maîtrise des outils numériques du quotidien" in text


def test_only_qualified_places_are_exported(provider):
    qualified = PlaceFactory(organisation=provider.organisation)
    draft = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.SUBMITTED
    )
    text = exported()
    assert str(qualified.standard_id) in text and str(draft.standard_id) not in text


def test_the_standard_example_imports_cleanly_then_updates(operator):
    example = (STANDARD / "exemple-valide.csv").read_text(encoding="utf-8")
    report = import_places(acting=operator, stream=io.StringIO(example), source="mednum")
    assert report.count("created") == 1 and report.rejected == []
    place = Place.objects.get(source="mednum", source_id="structure-1")
    assert (place.commune_code, place.departement, place.region) == ("51454", "51", "44")
    assert place.qualification_status == QualificationStatus.DRAFT
    assert place.publics == ["Jeunes", "Femmes"] and place.itinerant
    again = import_places(acting=operator, stream=io.StringIO(example), source="mednum")
    assert again.count("updated") == 1 and Place.objects.filter(source="mednum").count() == 1


def test_bad_lines_are_reported_one_by_one_and_write_nothing(operator):
    example = (STANDARD / "exemple-valide.csv").read_text(encoding="utf-8").splitlines()
    header, good = example[0], example[1]
    bad_postcode = good.replace('"51100"', '"5110"').replace('"structure-1"', '"s-2"')
    no_name = good.replace('"Anonymal"', '""').replace('"structure-1"', '"s-3"')
    bad_service = good.replace("Loisirs et créations numériques", "Jardinage").replace(
        '"structure-1"', '"s-4"'
    )
    unknown_commune = good.replace('"51454"', '"51999"').replace('"structure-1"', '"s-5"')
    text = "\n".join([header, bad_postcode, good, no_name, bad_service, unknown_commune])
    report = import_places(acting=operator, stream=io.StringIO(text), source="mix")
    assert report.count("created") == 1
    rejected = {line.line: " ".join(line.reasons) for line in report.rejected}
    assert set(rejected) == {2, 4, 5, 6}
    assert "code_postal" in rejected[2] and "nom" in rejected[4]
    assert "services" in rejected[5] and "51999" in rejected[6]
    assert list(Place.objects.filter(source="mix").values_list("source_id", flat=True)) == [
        "structure-1"
    ]


def test_a_file_without_the_required_columns_is_refused(operator):
    from passnum.places.standard import InvalidImportFile

    with pytest.raises(InvalidImportFile):
        import_places(acting=operator, stream=io.StringIO("a,b\n1,2\n"), source="x")


def test_what_passnum_exports_imports_back(provider, operator):
    PlaceFactory(
        organisation=provider.organisation,
        name="Cyber-base de Talence",
        postcode="33400",
        commune_name="Talence",
        commune_code="33522",
    )
    report = import_places(acting=operator, stream=io.StringIO(exported()), source="copy")
    assert report.rejected == [] and report.count("created") == 1
    copy = Place.objects.get(source="copy")
    assert (copy.name, copy.commune_code) == ("Cyber-base de Talence", "33522")


def test_the_csv_is_open_data_over_the_api(provider):
    from django.test import Client

    place = PlaceFactory(organisation=provider.organisation)
    response = Client().get("/api/v1/standard/places.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert validate(text).valid and str(place.standard_id) in text


def test_operator_staff_import_over_the_api_and_others_cannot(api, operator, provider):
    from django.core.files.uploadedfile import SimpleUploadedFile

    example = (STANDARD / "exemple-valide.csv").read_bytes()
    client = api(operator)
    response = client.client.post(
        "/api/v1/standard/import",
        {"source": "mednum", "file": SimpleUploadedFile("lieux.csv", example)},
        headers=client.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    other = api(provider)
    refused = other.client.post(
        "/api/v1/standard/import",
        {"source": "mednum", "file": SimpleUploadedFile("lieux.csv", example)},
        headers=other.headers,
    )
    assert refused.status_code == 403


def test_the_import_command_reports_each_line(operator, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "lieux.csv"
    path.write_text((STANDARD / "exemple-valide.csv").read_text(encoding="utf-8"))
    call_command("import_places", str(path), source="mednum", actor=operator.user.email)
    assert "créées : 1 ; mises à jour : 0 ; rejetées : 0" in capsys.readouterr().out
