"""The COG 2026 data loaded by the migration: complete, consistent, and built as documented."""

import gzip
import importlib.util
import json
from pathlib import Path

import pytest
from django.db.models import F, Sum
from django.db.models.functions import Length

from passnum.geography.enums import EpciKind
from passnum.geography.loading import COG_2026, read_cog
from passnum.geography.models import Commune, CommunePostcode, Departement, Epci, Region

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
METRO_REGIONS = {"11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"}
DROM_REGIONS = {"01", "02", "03", "04", "06"}


def test_every_region_and_departement_of_metropolitan_france_and_the_drom():
    assert set(Region.objects.values_list("code", flat=True)) == METRO_REGIONS | DROM_REGIONS
    codes = set(Departement.objects.values_list("code", flat=True))
    assert len(codes) == 101
    assert {"01", "2A", "2B", "95", "971", "972", "973", "974", "976"} <= codes
    assert "20" not in codes
    # The collectivités d'outre-mer are left out (see data/README.md).
    assert not codes & {"975", "977", "978", "984", "986", "987", "988", "989"}
    assert Departement.objects.get(code="2A").region_id == "94"
    assert Departement.objects.get(code="976").region_id == "06"


def test_every_current_commune_and_the_45_arrondissements_municipaux():
    assert 34_800 < Commune.objects.filter(parent__isnull=True).count() < 35_000
    arrondissements = Commune.objects.filter(parent__isnull=False)
    parents = dict(arrondissements.values_list("code", "parent_id"))
    assert len(parents) == 45
    assert {code for code, parent in parents.items() if parent == "75056"} == {
        f"751{n:02d}" for n in range(1, 21)
    }
    assert sum(parent == "69123" for parent in parents.values()) == 9
    assert sum(parent == "13055" for parent in parents.values()) == 16
    assert not Commune.objects.filter(code__startswith="975").exists()


def test_bordeaux():
    bordeaux = Commune.objects.select_related("epci", "departement", "region").get(code="33063")
    assert bordeaux.name == "Bordeaux"
    assert str(bordeaux) == "Bordeaux (33063)"
    assert {"33000", "33800"} <= set(bordeaux.postcodes.values_list("postcode", flat=True))
    assert bordeaux.epci.siren == "243300316"
    assert bordeaux.epci.name == "Bordeaux Métropole"
    assert bordeaux.epci.kind == EpciKind.METRO
    assert (bordeaux.departement.name, bordeaux.region.name) == ("Gironde", "Nouvelle-Aquitaine")
    assert bordeaux.population > 250_000


def test_an_arrondissement_has_its_communes_epci_and_own_postcode():
    paris_11 = Commune.objects.get(code="75111")
    paris = Commune.objects.get(code="75056")
    assert paris_11.is_arrondissement and not paris.is_arrondissement
    assert paris_11.parent == paris
    assert paris_11.epci_id == paris.epci_id == "200054781"  # Métropole du Grand Paris
    assert list(paris_11.postcodes.values_list("postcode", flat=True)) == ["75011"]


def test_the_tables_agree_with_each_other():
    assert not Commune.objects.exclude(region=F("departement__region")).exists()
    assert not Commune.objects.filter(postcodes__isnull=True).exists()
    assert not CommunePostcode.objects.annotate(n=Length("postcode")).exclude(n=5).exists()
    assert not Epci.objects.filter(communes__isnull=True).exists()
    # Only four island communes belong to no EPCI.
    assert set(Commune.objects.filter(epci__isnull=True).values_list("code", flat=True)) == {
        "22016",
        "29083",
        "29155",
        "85113",
    }
    assert Epci.objects.count() > 1_200
    assert Commune.objects.get(code="42218").search_name == "saint etienne"


def test_the_migration_loaded_the_whole_shipped_file():
    tables = read_cog()
    assert Commune.objects.count() == len(tables["communes"])
    assert CommunePostcode.objects.count() == sum(len(c["postcodes"]) for c in tables["communes"])
    total = sum(c["population"] for c in tables["communes"] if c["parent"] is None)
    assert Commune.objects.filter(parent__isnull=True).aggregate(p=Sum("population"))["p"] == total


def test_the_shipped_file_is_small_and_says_where_it_comes_from():
    assert COG_2026.stat().st_size < 1_000_000
    with gzip.open(COG_2026, "rt", encoding="utf-8") as stream:
        source = json.load(stream)["source"]
    assert source == {"package": "@etalab/decoupage-administratif", "version": "6.0.0", "cog": 2026}
    readme = (COG_2026.parent / "README.md").read_text(encoding="utf-8")
    assert "Licence Ouverte" in readme and "MIT" in readme and "6.0.0" in readme


# --- scripts/build_geography.py, on a tiny package of the same shape -----------------------------


def _build_script():
    spec = importlib.util.spec_from_file_location(
        "build_geography", ROOT / "scripts" / "build_geography.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commune(code, name, kind="commune-actuelle", zone="metro", dep="13", reg="93", **extra):
    return {
        "code": code,
        "nom": name,
        "type": kind,
        "zone": zone,
        "departement": dep,
        "region": reg,
        "codesPostaux": extra.pop("cp", ["13000"]),
        "population": 10,
        **extra,
    }


@pytest.fixture
def package(tmp_path) -> Path:
    files = {
        "package.json": {"version": "6.0.0"},
        "data/regions.json": [
            {"code": "93", "nom": "Provence-Alpes-Côte d'Azur", "zone": "metro"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "zone": "com"},
        ],
        "data/departements.json": [
            {"code": "13", "nom": "Bouches-du-Rhône", "region": "93", "zone": "metro"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "region": "975", "zone": "com"},
        ],
        "data/epci.json": [
            {
                "code": "200054807",
                "nom": "Métropole d'Aix-Marseille-Provence",
                "type": "METRO",
                "membres": [{"code": "13055"}],
            },
            {
                "code": "200041622",
                "nom": "CC outre-mer",
                "type": "CC",
                "membres": [{"code": "97502"}],
            },
        ],
        "data/communes.json": [
            _commune(
                "13201",
                "Marseille 1er Arrondissement",
                "arrondissement-municipal",
                commune="13055",
                cp=["13001"],
            ),
            _commune("13055", "Marseille", cp=["13002", "13001", "13001"]),
            _commune("13999", "Ancienne", "commune-deleguee"),
            _commune("97502", "Saint-Pierre", zone="com", dep="975", reg="975", cp=["97500"]),
        ],
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(json.dumps(content), encoding="utf-8")
    return tmp_path


def test_the_build_script_keeps_what_passnum_uses(package):
    data = _build_script().build(package)
    assert data["regions"]["rows"] == [["93", "Provence-Alpes-Côte d'Azur"]]
    assert data["departements"]["rows"] == [["13", "Bouches-du-Rhône", "93"]]
    assert data["epci"]["rows"] == [["200054807", "Métropole d'Aix-Marseille-Provence", "METRO"]]
    assert data["communes"]["rows"] == [
        ["13055", "Marseille", "13", "93", "200054807", ["13001", "13002"], 10, None],
        ["13201", "Marseille 1er Arrondissement", "13", "93", "200054807", ["13001"], 10, "13055"],
    ]


def test_the_build_script_writes_the_same_bytes_for_the_same_package(package, tmp_path):
    script = _build_script()
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    script.main(["--from", str(package), "--output", str(first)])
    script.main(["--from", str(package), "--output", str(second)])
    assert first.read_bytes() == second.read_bytes()
    tables = read_cog(first)
    assert [c["code"] for c in tables["communes"]] == ["13055", "13201"]
