"""Selectors used by forms, usage-rule perimeters and the public search."""

import pytest

from passnum.core.exceptions import NotFound
from passnum.geography import selectors
from passnum.geography.search import normalise

pytestmark = pytest.mark.django_db


def codes(communes) -> list[str]:
    return [c.code for c in communes]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("SAINT ETIENNE", "saint etienne"),
        ("st-etienne", "saint etienne"),
        ("  Ste   Foy-lès-Lyon ", "sainte foy les lyon"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("Marseille 1er Arrondissement", "marseille 1er arrondissement"),
        ("-- ' --", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_a_postcode_gives_its_communes():
    assert codes(selectors.communes_for_postcode("33000")) == ["33063"]
    assert codes(selectors.communes_for_postcode(" 75011 ")) == ["75056", "75111"]
    assert selectors.communes_for_postcode("00000") == []


def test_a_postcode_shared_by_several_communes_lists_the_biggest_first():
    communes = selectors.communes_for_postcode("51300")
    assert len(communes) > 10
    populations = [c.population for c in communes]
    assert populations == sorted(populations, reverse=True)
    assert all("51300" in [p.postcode for p in c.postcodes.all()] for c in communes)


def test_commune_by_code():
    assert selectors.commune("33063").name == "Bordeaux"
    ajaccio = selectors.commune("2a004")
    assert (ajaccio.name, ajaccio.departement.code) == ("Ajaccio", "2A")
    assert selectors.commune("69381").parent.name == "Lyon"


def test_an_unknown_commune_is_not_found():
    with pytest.raises(NotFound) as raised:
        selectors.commune("99999")
    assert raised.value.code == "not_found"
    assert "99999" in str(raised.value)


@pytest.mark.parametrize(
    "text", ["saint etienne", "Saint-Étienne", "SAINT-ETIENNE", "st etienne", "saint étienne "]
)
def test_search_finds_saint_etienne_first_whatever_the_spelling(text):
    assert codes(selectors.search_communes(text))[0] == "42218"


def test_search_by_name_ignores_accents_and_punctuation():
    assert codes(selectors.search_communes("orleans"))[0] == "45234"
    assert codes(selectors.search_communes("ile d yeu")) == ["85113"]
    assert codes(selectors.search_communes("BORDEAUX"))[0] == "33063"


def _rank(query: str, search_name: str) -> int:
    if search_name.startswith(query):
        return 0
    return 1 if f" {query}" in search_name else 2


def test_search_puts_prefixes_first_then_word_starts_then_the_rest_biggest_first():
    # "Rougé…", then "Le Morne-Rouge…", then "Montrouge…"
    query = "rouge"
    communes = selectors.search_communes(query, limit=50)
    ranks = [(_rank(query, c.search_name), -c.population) for c in communes]
    assert ranks == sorted(ranks)
    assert {rank for rank, _ in ranks} == {0, 1, 2}
    assert all(query in c.search_name for c in communes)


def test_a_name_prefix_comes_before_a_bigger_commune_that_only_contains_it():
    # Lyon (69123) and Lyons-la-Forêt start with "lyon"; Sainte-Foy-lès-Lyon, bigger than
    # Lyons-la-Forêt, only contains it.
    found = codes(selectors.search_communes("lyon", limit=50))
    assert found[0] == "69123"
    assert found.index("27377") < found.index("69202")


def test_search_by_postcode_prefix():
    communes = selectors.search_communes("3300", limit=20)
    assert communes[0].code == "33063"
    assert all(any(p.postcode.startswith("3300") for p in c.postcodes.all()) for c in communes)
    assert codes(selectors.search_communes("33 000")) == ["33063"]


def test_search_limits_and_empty_queries():
    assert len(selectors.search_communes("saint", limit=3)) == 3
    assert len(selectors.search_communes("saint", limit=1000)) == selectors.MAX_LIMIT
    assert len(selectors.search_communes("saint", limit=0)) == 1
    assert selectors.search_communes("") == []
    assert selectors.search_communes(" - ' ") == []
    assert selectors.search_communes("zzzzzz") == []


def test_search_costs_two_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        communes = selectors.search_communes("saint", limit=10)
        for commune in communes:
            (commune.departement.name, commune.region.name, commune.epci, commune.postcodes.all())


def test_departements_and_regions():
    assert len(selectors.departements()) == 101
    nouvelle_aquitaine = selectors.departements(region="75")
    assert len(nouvelle_aquitaine) == 12
    assert [d.code for d in nouvelle_aquitaine][:3] == ["16", "17", "19"]
    assert str(selectors.departement("2b")) == "Haute-Corse (2B)"
    assert str(selectors.region("94")) == "Corse (94)"
    assert len(selectors.regions()) == 18


@pytest.mark.parametrize(
    ("lookup", "code"), [(selectors.departement, "20"), (selectors.region, "975")]
)
def test_unknown_departement_or_region_is_not_found(lookup, code):
    with pytest.raises(NotFound):
        lookup(code)
