"""The statistical secret of the open data (docs/opendata.md): primary suppression of small counts,
complementary suppression so no secret cell can be recomputed from a published total."""

import datetime

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.dashboards.models import TerritoryMonth
from passnum.dashboards.opendata import NATIONAL, published_cells, suppress
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)


def recoverable(values, relations, secret):
    """The secret cells an attacker computes back: any relation with exactly one of them."""
    found = set()
    for total, members in relations:
        unknown = [cell for cell in (total, *members) if cell in secret]
        if len(unknown) == 1:
            found.add(unknown[0])
    return found


def test_small_counts_are_secret_and_zero_is_published():
    values = {("t", ""): 40, ("c", "a"): 0, ("c", "b"): 10, ("c", "c"): 11, ("c", "d"): 19}
    relations = [(("t", ""), [("c", "a"), ("c", "b"), ("c", "c"), ("c", "d")])]
    secret = suppress(values, relations, minimum=11)
    assert ("c", "b") in secret
    assert ("c", "a") not in secret  # zero tells nothing
    # With only "b" secret, 40 − 0 − 11 − 19 = 10 would give it away: the smallest other goes too.
    assert secret == {("c", "b"), ("c", "c")}
    assert not recoverable(values, relations, secret)


def test_no_complement_when_two_cells_are_already_secret():
    values = {("t", ""): 40, ("c", "a"): 3, ("c", "b"): 5, ("c", "c"): 32}
    relations = [(("t", ""), [("c", "a"), ("c", "b"), ("c", "c")])]
    assert suppress(values, relations, minimum=11) == {("c", "a"), ("c", "b")}


def test_a_lone_nonzero_member_hides_its_total():
    """The only non-zero child is secret: the total equals it, so the total is secret too."""
    values = {("t", ""): 4, ("c", "a"): 4, ("c", "b"): 0}
    relations = [(("t", ""), [("c", "a"), ("c", "b")])]
    assert suppress(values, relations, minimum=11) == {("t", ""), ("c", "a")}


def test_complements_spread_through_the_hierarchy():
    """A région made secret to protect a département must not be recoverable from the national
    total: the rule goes on until no relation has exactly one secret cell."""
    nat, r1, r2, r3 = ("n", ""), ("r", "1"), ("r", "2"), ("r", "3")
    d1, d2 = ("d", "1a"), ("d", "1b")
    values = {nat: 120, r1: 5, r2: 50, r3: 65, d1: 5, d2: 0}
    relations = [(nat, [r1, r2, r3]), (r1, [d1, d2])]
    secret = suppress(values, relations, minimum=11)
    assert {d1, r1, r2} <= secret
    assert not recoverable(values, relations, secret)


@pytest.mark.parametrize("minimum", [5, 11, 20])
def test_any_pattern_leaves_nothing_recoverable(minimum):
    """Pseudo-random cubes: whatever the figures, no relation keeps exactly one secret cell."""
    seed = 7
    for _ in range(200):
        children = []
        values = {}
        for index in range(6):
            seed = (seed * 1103515245 + 12345) % 2**31
            cell = ("c", str(index))
            values[cell] = seed % 30 if seed % 3 else 0
            children.append(cell)
        values[("t", "")] = sum(values[cell] for cell in children)
        relations = [(("t", ""), children)]
        secret = suppress(values, relations, minimum=minimum)
        assert {c for c, v in values.items() if 0 < v < minimum} <= secret
        assert not recoverable(values, relations, secret)


def rollup(sponsor, departement, region, used, **figures):
    return TerritoryMonth(
        month=NOV,
        sponsor=sponsor,
        region=region,
        departement=departement,
        epci="",
        used=used,
        **figures,
    )


def test_published_cells_apply_the_rule_on_every_level():
    """Gironde 4 passes used (secret), Landes 30, Rhône 50; two funders. The Nouvelle-Aquitaine
    total would give Gironde away (34 − 30): Landes is made secret too. National = Σ funders
    and = Σ régions stay with no lone secret cell. Money committed is never secret."""
    state = OrganisationFactory(kind=OrganisationKind.SPONSOR, name="Région")
    company = OrganisationFactory(kind=OrganisationKind.SPONSOR, name="Opérateur télécom")
    rows = [
        rollup(state, "33", "75", 4, committed_cents=500),
        rollup(state, "40", "75", 30),
        rollup(company, "69", "84", 50, committed_cents=700),
    ]
    cells = {(cell.level, cell.code): cell for cell in published_cells(rows)}
    assert cells[("departement", "33")].used is None
    assert cells[("departement", "33")].committed_cents == 500
    assert cells[("departement", "40")].used is None  # complementary
    assert cells[("departement", "69")].used == 50
    # Nouvelle-Aquitaine = 34 published with both its départements secret: they stay hidden.
    # But then national = 84 = NA + ARA: both published, no lone secret.
    assert cells[("region", "75")].used == 34
    assert cells[("region", "84")].used == 50
    assert cells[NATIONAL].used == 84
    assert cells[("funder", str(state.pk))].used == 34
    assert cells[("funder", str(company.pk))].used == 50
    assert not any(level.startswith("rest") for level, _ in cells)


def test_a_small_funder_is_hidden_with_another_one():
    big = OrganisationFactory(kind=OrganisationKind.SPONSOR)
    small = OrganisationFactory(kind=OrganisationKind.SPONSOR)
    medium = OrganisationFactory(kind=OrganisationKind.SPONSOR)
    rows = [
        rollup(big, "33", "75", 100, handed_out=200),
        rollup(small, "33", "75", 3, handed_out=200),
        rollup(medium, "33", "75", 20, handed_out=200),
    ]
    cells = {(cell.level, cell.code): cell for cell in published_cells(rows)}
    assert cells[("funder", str(small.pk))].used is None
    assert cells[("funder", str(medium.pk))].used is None  # the smallest other one
    assert cells[("funder", str(big.pk))].used == 100
    assert cells[("funder", str(small.pk))].handed_out == 200  # its own count: not small
    assert cells[NATIONAL].used == 123


def test_paid_out_money_follows_the_count_of_passes_paid():
    funder = OrganisationFactory(kind=OrganisationKind.SPONSOR)
    rows = [
        rollup(funder, "33", "75", 30, paid_out=2, paid_out_cents=2000),
        rollup(funder, "40", "75", 30, paid_out=40, paid_out_cents=40000),
    ]
    cells = {(cell.level, cell.code): cell for cell in published_cells(rows)}
    assert cells[("departement", "33")].paid_out_cents is None
    assert cells[("departement", "40")].paid_out_cents is None
    assert cells[("region", "75")].paid_out_cents == 42000
