"""The national-standard import checks each line as the qualification form checks a place, and
refuses a file it cannot read with one clear reason (issue 7, "Imports as strict as the form")."""

import io

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.places.models import Place
from passnum.places.standard import (
    BinaryImportFile,
    DuplicateColumns,
    EmptyImportFile,
    FieldTooLong,
    InvalidSource,
    MissingColumns,
    NotUtf8,
    WrongSeparator,
    field_names,
    import_places,
)
from tests.factories import OrganisationFactory
from tests.places.standard_csv import csv_text, line, siren, siret

pytestmark = pytest.mark.django_db


def run(operator, lines, source="test"):
    return import_places(acting=operator, stream=io.StringIO(csv_text(lines)), source=source)


def reasons_of(operator, **values) -> str:
    """The reasons the import gives for one line with `values`, checking it wrote nothing."""
    report = run(operator, [line(**values)], source="reasons")
    assert [result.outcome for result in report.lines] == ["rejected"]
    assert not Place.objects.filter(source="reasons").exists()
    return " ".join(report.lines[0].reasons)


def test_a_valid_line_is_imported_with_its_organisation_named_after_it(operator):
    report = run(operator, [line(nom="Espace numérique de Reims")])
    assert report.count("created") == 1 and report.rejected == []
    place = Place.objects.get(source="test", source_id="lieu-1")
    assert (place.commune_code, place.departement, place.commune_name) == ("51454", "51", "Reims")
    assert place.organisation.name == "Espace numérique de Reims"  # not structure_parente
    assert place.organisation.siren == "434933123" and not place.location_approximate


def test_a_siret_that_fails_its_checksum_is_rejected(operator):
    assert "SIRET invalide" in reasons_of(operator, pivot="43493312300028")


@pytest.mark.parametrize("pivot", ["00000000000000", "000000000"])
def test_a_siren_of_zeros_is_rejected(operator, pivot):
    assert "pivot" in reasons_of(operator, pivot=pivot)


def test_a_siren_that_fails_its_checksum_and_a_pivot_that_is_no_siret_are_rejected(operator):
    assert "SIREN invalide" in reasons_of(operator, pivot="434933124")
    assert "Pivot invalide" in reasons_of(operator, pivot="W12345678901")


def test_a_pivot_whose_siren_is_not_the_organisation_of_the_place_is_rejected(operator):
    run(operator, [line(pivot=siret(1))], source="again")
    report = run(operator, [line(pivot=siret(2), nom="Changed")], source="again")
    assert report.count("rejected") == 1
    assert "n'est pas celui de la structure" in " ".join(report.rejected[0].reasons)
    assert Place.objects.get(source="again").name == "Anonymal"  # nothing written
    same_siren = run(operator, [line(pivot=siret(1, establishment=7), nom="Changed")], "again")
    assert same_siren.count("updated") == 1
    assert Place.objects.get(source="again").name == "Changed"


def test_a_known_siren_attaches_the_place_to_its_organisation(operator):
    known = OrganisationFactory(kind=OrganisationKind.PROVIDER, siren=siren(5), name="Connue")
    run(operator, [line(pivot=siret(5))])
    assert Place.objects.get(source="test").organisation == known
    assert Organisation.objects.filter(siren=siren(5)).count() == 1


def test_unreadable_opening_hours_reject_the_line_instead_of_being_dropped(operator):
    assert "Horaires illisibles" in reasons_of(operator, horaires="du lundi au vendredi 9h-12h")


def test_a_postcode_of_another_commune_is_rejected(operator):
    assert "n'est pas celui de Reims" in reasons_of(operator, code_postal="33000")


def test_an_unknown_commune_is_rejected(operator):
    assert "51999" in reasons_of(operator, code_insee="51999")


@pytest.mark.parametrize(
    ("latitude", "longitude", "territory"),
    [
        ("40.4168", "-3.7038", "France métropolitaine"),  # Madrid
        ("4.03", "49.25", "France métropolitaine"),  # swapped
        ("-21.1151", "55.5364", "France métropolitaine"),  # La Réunion, for Reims
        ("95", "4.03", ""),  # not a latitude
    ],
)
def test_coordinates_outside_the_territory_of_the_commune_are_rejected(
    operator, latitude, longitude, territory
):
    reasons = reasons_of(operator, latitude=latitude, longitude=longitude)
    assert "Coordonnées" in reasons and territory in reasons


def test_overseas_coordinates_are_checked_against_their_own_territory(operator):
    saint_denis = {"commune": "Saint-Denis", "code_postal": "97400", "code_insee": "97411"}
    report = run(operator, [line(latitude="-20.8789", longitude="55.4481", **saint_denis)])
    assert report.count("created") == 1
    assert "La Réunion" in reasons_of(operator, latitude="49.25", longitude="4.03", **saint_denis)


def test_one_coordinate_alone_is_rejected(operator):
    assert "latitude et la longitude" in reasons_of(operator, longitude="")


def test_every_reason_of_a_line_is_reported(operator):
    reasons = reasons_of(operator, pivot="43493312300028", horaires="tous les jours", latitude="1")
    assert "SIRET invalide" in reasons
    report = run(operator, [line(horaires="tous les jours", code_postal="33000")], "many")
    both = " ".join(report.rejected[0].reasons)
    assert "Horaires illisibles" in both and "n'est pas celui de Reims" in both


def test_schema_violations_are_reported_with_a_hint_for_multiple_values(operator):
    reasons = reasons_of(operator, services="Aide aux démarches administratives, Jeunes")
    assert "services" in reasons and "« | »" in reasons
    assert "« nom » est obligatoire" in reasons_of(operator, nom="")


def test_values_too_long_for_a_place_are_rejected_not_cut(operator):
    assert "« nom » dépasse 200" in reasons_of(operator, nom="N" * 201)


def test_the_longest_name_makes_an_organisation_and_its_ledger_account(operator):
    from passnum.ledger.models import Account

    assert run(operator, [line(nom="N" * 200)]).count("created") == 1
    organisation = Place.objects.get(source="test").organisation
    assert organisation.name == "N" * 200
    assert Account.objects.filter(organisation=organisation, purpose="payable").exists()


def test_a_duplicate_id_is_rejected_at_its_second_line(operator):
    report = run(operator, [line(), line(nom="Other")])
    assert [result.outcome for result in report.lines] == ["created", "rejected"]
    assert "déjà à la ligne 2" in report.lines[1].reasons[0]


def test_a_commune_is_found_by_postcode_and_name_without_its_insee_code(operator):
    # 51100 serves Reims only; 75011 serves Paris and its 11th arrondissement
    report = run(
        operator,
        [
            line(code_insee=""),
            line(
                id="paris",
                commune="Paris",
                code_postal="75011",
                code_insee="",
                latitude="48.8590",
                longitude="2.3800",
            ),
            line(id="nowhere", commune="Nulle-Part", code_postal="01500", code_insee=""),
        ],
    )
    assert [result.outcome for result in report.lines] == ["created", "created", "rejected"]
    assert Place.objects.get(source_id="paris").commune_code == "75056"
    assert "indiquez son code INSEE" in report.lines[2].reasons[0]


def test_a_line_with_too_many_or_too_few_fields_is_rejected(operator):
    text = csv_text([line()]).rstrip("\n") + ',"extra"\n'
    report = import_places(acting=operator, stream=io.StringIO(text), source="x")
    assert "champs au lieu de" in report.rejected[0].reasons[0]


def test_line_numbers_are_the_lines_of_the_file(operator):
    text = csv_text([line(presentation_resume="Sur\ndeux lignes"), line(id="b", pivot="1")])
    report = import_places(acting=operator, stream=io.StringIO(text), source="x")
    assert [(r.line, r.outcome) for r in report.lines] == [(2, "created"), (4, "rejected")]


# --- Files that cannot be read: one reason, nothing written -----------------------------------


def refused(operator, text: str, error: type) -> str:
    with pytest.raises(error) as raised:
        import_places(acting=operator, stream=io.StringIO(text), source="bad")
    assert not Place.objects.exists()
    return str(raised.value)


def test_a_file_without_a_required_column_is_refused(operator):
    columns = [name for name in field_names() if name != "pivot"]
    message = refused(operator, csv_text([line()], columns=columns), MissingColumns)
    assert message == "Colonnes obligatoires absentes : pivot."


def test_a_file_separated_by_semicolons_is_refused_with_the_right_separator(operator):
    text = csv_text([line()]).replace(",", ";")
    assert "« ; »" in refused(operator, text, WrongSeparator)


def test_an_empty_file_is_refused(operator):
    assert refused(operator, "", EmptyImportFile) == "Le fichier est vide."
    refused(operator, "\ufeff \n\n", EmptyImportFile)


def test_a_field_over_the_csv_limit_is_refused_with_its_line(operator):
    text = csv_text([line(), line(id="big", presentation_detail="x" * 131_073)])
    assert refused(operator, text, FieldTooLong).startswith("Ligne 3 : un champ dépasse 131")


def test_an_unclosed_quote_is_refused_as_a_field_too_long(operator):
    text = csv_text([line()]) + '"broken,' + "x" * 140_000 + "\n"
    refused(operator, text, FieldTooLong)


def test_binary_junk_is_refused(operator):
    refused(operator, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BinaryImportFile)
    refused(operator, "\x01\x02\x03,\x04\n", BinaryImportFile)


def test_duplicate_columns_are_refused(operator):
    text = csv_text([line()])
    header, rest = text.split("\n", 1)
    assert "nom" in refused(operator, header + ',"nom"\n' + rest, DuplicateColumns)


def test_a_latin_1_file_is_refused_by_the_service(operator, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(csv_text([line(nom="Médiathèque")]).encode("latin-1"))
    with open(path, encoding="utf-8-sig") as stream, pytest.raises(NotUtf8) as raised:
        import_places(acting=operator, stream=stream, source="latin")
    assert "UTF-8" in str(raised.value) and "0xE9" in str(raised.value)
    assert raised.value.code == "import_not_utf8"


def test_a_bad_source_name_is_refused(operator):
    with pytest.raises(InvalidSource):
        import_places(acting=operator, stream=io.StringIO(csv_text([line()])), source="a b")


def test_error_codes_are_stable():
    codes = {
        error.code
        for error in (
            BinaryImportFile,
            DuplicateColumns,
            EmptyImportFile,
            FieldTooLong,
            InvalidSource,
            MissingColumns,
            NotUtf8,
            WrongSeparator,
        )
    }
    assert codes == {
        "import_binary_file",
        "import_duplicate_columns",
        "import_empty_file",
        "import_field_too_long",
        "import_invalid_source",
        "import_missing_columns",
        "import_not_utf8",
        "import_wrong_separator",
    }
