"""Hand-outs from a CSV file: every bad line reported with its number and reason and nothing
written for it; a file that cannot be read gives one clear error, never a traceback."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passnum.passes.distribution import BookletNumbers, assign_booklets
from passnum.passes.exceptions import UnreadableFile
from passnum.passes.handout_csv import import_handouts_csv, parse_handouts_csv
from passnum.passes.models import Booklet, HandOut
from tests.factories import make_distributor, make_order

pytestmark = pytest.mark.django_db


def day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def stock(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, quantity=100, valid_until=day(200))
    distributor = make_distributor(sponsor)
    n = list(
        Booklet.objects.filter(order=order).order_by("number").values_list("number", flat=True)
    )
    assign_booklets(
        acting=sponsor,
        order=order,
        distributor=distributor.organisation,
        selection=BookletNumbers(n[0], n[7]),
    )
    Booklet.objects.filter(order=order).update(
        assigned_at=timezone.now() - datetime.timedelta(days=30)
    )
    return distributor, n


def test_good_lines_are_recorded_and_each_bad_line_reported(stock):
    distributor, n = stock
    yesterday = day(-1).strftime("%d/%m/%Y")
    text = "\n".join(
        [
            "carnet,date,catégorie,référence",
            f"{n[0]},{yesterday},senior,REF-1",
            f"{n[1]},{day(-2).isoformat()},Demandeur d'emploi,",
            f"{n[2]},{yesterday},JEUNE DE 16 A 25 ANS",
            f"{n[3]},31/02/2027,senior,",
            f"{n[4]},{yesterday},astronaute,",
            f"{n[5]},{day(3).strftime('%d/%m/%Y')},senior,",
            f"{n[9]},{yesterday},senior,",
            f"{n[0]},{yesterday},senior,",
            f"abc,{yesterday},senior,",
            f"{n[6]},{yesterday}",
            f"{n[7]},{yesterday},senior,a,b",
            f'{n[7]},{yesterday},rsa,"Dossier 12, suivi"',
        ]
    ).encode()
    report = import_handouts_csv(acting=distributor, data=text)
    assert report.recorded == 4
    assert {h.booklet.number: (h.public, h.reference) for h in HandOut.objects.all()} == {
        n[0]: ("senior", "REF-1"),
        n[1]: ("job_seeker", ""),
        n[2]: ("young_16_25", ""),
        n[7]: ("rsa", "Dossier 12, suivi"),
    }
    errors = {(e.line, e.code) for e in report.errors}
    assert errors == {
        (5, "invalid_date"),
        (6, "invalid_public"),
        (7, "handout_in_future"),
        (8, "booklet_not_held"),
        (9, "duplicate_booklet"),
        (10, "invalid_booklet"),
        (11, "missing_column"),
        (12, "too_many_columns"),
    }
    assert [e.line for e in report.errors] == sorted(e.line for e in report.errors)
    assert all(e.message for e in report.errors)


def test_semicolons_as_spreadsheets_write_them_and_a_byte_order_mark(stock):
    distributor, n = stock
    data = f"\ufeffCarnet;Date;Catégorie\n{n[0]};{day(0).strftime('%d/%m/%Y')};Senior\n".encode()
    report = import_handouts_csv(acting=distributor, data=data)
    assert (report.recorded, report.errors) == (1, [])


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("1,01/01/2027,senior".encode("utf-16"), "caractères nuls"),
        ("1,01/01/2027,sénior,réf".encode("latin-1"), "UTF-8"),
        (b"1\t01/01/2027\tsenior", "Séparateur"),
        (b"1|01/01/2027|senior", "Séparateur"),
        (b"12345", "manque des colonnes"),
        (b"", "vide"),
        (b"\n\n  \n", "vide"),
        (b"1," + b"x" * (3 * 1024 * 1024), "2 Mo"),
    ],
)
def test_an_unreadable_file_gives_one_clear_error(stock, data, words):
    distributor, _n = stock
    with pytest.raises(UnreadableFile) as caught:
        import_handouts_csv(acting=distributor, data=data)
    assert words in str(caught.value)
    assert not HandOut.objects.exists()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_lines_or_one_clear_error(data):
    """Never a traceback: either parsed lines and line errors, or UnreadableFile."""
    try:
        lines, errors = parse_handouts_csv(data)
    except UnreadableFile as exc:
        assert str(exc)
    else:
        assert all(error.message for error in errors)
        assert all(line.booklet_number >= 1 for line in lines)
