"""The cover letter: the qualified places nearest the beneficiary's commune that the order's
rules allow, with services, hours and contacts, read back from the PDF with pypdfium2."""

import datetime
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.utils import timezone

from passnum.catalogue.models import ServiceFamily
from passnum.geography.models import Commune
from passnum.orders.services import UsageRules
from passnum.passes.cover_letter import letter_places, render_cover_letter
from passnum.passes.distribution import NextInStock, assign_booklets
from passnum.passes.models import Booklet
from passnum.places.enums import PlaceType, QualificationStatus
from tests.factories import PlaceFactory, a_service, make_distributor, make_order, offer

pytestmark = pytest.mark.django_db

TOWNS = {
    "bordeaux": ("33000", "Bordeaux", "33063", "33", "75"),
    "merignac": ("33700", "Mérignac", "33281", "33", "75"),
    "libourne": ("33500", "Libourne", "33243", "33", "75"),
}


def a_place(provider, town, name, latitude, longitude, **fields):
    postcode, commune, code, departement, region = TOWNS[town]
    return PlaceFactory(
        organisation=provider.organisation,
        name=name,
        postcode=postcode,
        commune_name=commune,
        commune_code=code,
        departement=departement,
        region=region,
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
        **fields,
    )


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


@pytest.fixture
def letter_world(sponsor, operator, provider):
    families = list(ServiceFamily.objects.order_by("code")[:2])
    allowed, other = (a_service(family.code) for family in families)
    order = make_order(
        sponsor=sponsor,
        operator=operator,
        quantity=20,
        valid_until=timezone.localdate() + datetime.timedelta(days=200),
        rules=UsageRules(
            communes=["33063", "33243"],
            families=[families[0].code],
            place_types=[PlaceType.EPN, PlaceType.LIBRARY],
        ),
    )
    near = a_place(
        provider,
        "bordeaux",
        "Espace Victoire",
        "44.8400",
        "-0.5800",
        phone="+33556123456",
        email="contact@victoire.example.org",
        opening_hours="Mo-Fr 09:00-12:00,14:00-18:00",
    )
    offer(near, service=allowed)
    libourne = a_place(
        provider,
        "libourne",
        "Médiathèque de Libourne",
        "44.9150",
        "-0.2440",
        place_type=PlaceType.LIBRARY,
    )
    offer(libourne, service=allowed)
    outside = a_place(provider, "merignac", "Cyber Mérignac", "44.8386", "-0.6436")
    offer(outside, service=allowed)
    wrong_family = a_place(provider, "bordeaux", "Atelier Autrefamille", "44.8390", "-0.5790")
    offer(wrong_family, service=other)
    wrong_type = a_place(
        provider, "bordeaux", "Fablab Chartrons", "44.8395", "-0.5795", place_type=PlaceType.FABLAB
    )
    offer(wrong_type, service=allowed)
    not_qualified = a_place(
        provider,
        "bordeaux",
        "Lieu en attente",
        "44.8391",
        "-0.5791",
        qualification_status=QualificationStatus.SUBMITTED,
    )
    distributor = make_distributor(sponsor)
    assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=NextInStock(1)
    )
    booklet = Booklet.objects.get(order=order, distributor__isnull=False)
    return booklet, allowed, not_qualified


def test_the_letter_lists_the_nearest_allowed_places_only(letter_world):
    booklet, allowed, _not_qualified = letter_world
    bordeaux = Commune.objects.get(code="33063")
    places = letter_places(order=booklet.order, commune=bordeaux)
    assert [item.place.name for item in places] == ["Espace Victoire", "Médiathèque de Libourne"]
    assert places[0].distance_km < 1 < 20 < places[1].distance_km < 35
    assert places[0].services == [allowed.label]

    text = pdf_text(render_cover_letter(booklet=booklet, commune=bordeaux))
    assert "Espace Victoire" in text and "Médiathèque de Libourne" in text
    assert text.index("Espace Victoire") < text.index("Médiathèque de Libourne")
    for absent in ("Cyber Mérignac", "Atelier Autrefamille", "Fablab Chartrons", "Lieu en attente"):
        assert absent not in text
    assert "Du lundi au vendredi : de 9 h à 12 h et de 14 h à 18 h" in text
    assert "05 56 12 34 56" in text and "contact@victoire.example.org" in text
    assert allowed.label in text
    assert str(booklet.number) in text
    assert "Comment faire" in text
    assert booklet.order.sponsor.name in text


def test_a_commune_with_no_allowed_place_near_gets_advice_instead(letter_world):
    booklet, _allowed, _nq = letter_world
    far = Commune.objects.get(code="75056")  # Paris: the perimeter is in Gironde
    assert letter_places(order=booklet.order, commune=far) == []
    text = pdf_text(render_cover_letter(booklet=booklet, commune=far))
    assert "Aucun lieu qualifié" in text
