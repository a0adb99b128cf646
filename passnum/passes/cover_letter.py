"""The cover letter a distributor prints with a booklet it hands out (SPEC §3.4): the qualified
places nearest the beneficiary's commune that the order's rules allow, with their services,
opening hours in plain words and contacts, and how to use the passes, in plain French.

Places are those the order's rules allow (`redemptions.rules.allowed_places`: qualified,
perimeter, place types, an allowed service offered), found around the commune's centre with the
public search's bounding box and distance (`places/search.py`), so the letter never lists a
place where the passes would be refused; each shows the offered services the rules allow. The commune is chosen when printing and stored nowhere.
"""

import io
from dataclasses import dataclass
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from passnum.core.exceptions import InvalidInput
from passnum.core.money import format_euros
from passnum.geography.models import Commune
from passnum.orders.models import Order
from passnum.passes.models import Booklet
from passnum.passes.printing.layout import printable
from passnum.passes.printing.rules import rules_in_words
from passnum.places.models import Place, ServiceOffer
from passnum.places.search import bounding_box, haversine_km
from passnum.redemptions.rules import allowed_places, service_allowed

MAX_PLACES = 8
RADII_KM = (10, 25, 50, 100, 200)


@dataclass(frozen=True)
class LetterPlace:
    """A place as the letter shows it."""

    place: Place
    distance_km: float
    services: list[str]
    hours: list[str]
    contacts: list[str]


def letter_places(*, order: Order, commune: Commune, limit: int = MAX_PLACES) -> list[LetterPlace]:
    """The qualified places nearest the commune's centre where the order's passes can pay
    for at least one service, nearest first, at most `limit`."""
    return places_near(order=order, centre=commune_centre(commune), limit=limit)


def places_near(
    *, order: Order, centre: tuple[float, float], limit: int = MAX_PLACES
) -> list[LetterPlace]:
    """The qualified places nearest `centre` (latitude, longitude) where the order's passes can
    pay for at least one service, nearest first, at most `limit` (the cover letter, the pass
    page). Searched in widening circles (10 km, 25 km… 200 km) until `limit` are found."""
    allowed = allowed_places(order).exclude(latitude=None).exclude(longitude=None)
    offers = Prefetch(
        "offers",
        queryset=ServiceOffer.objects.select_related("service__family")
        .filter(service__is_active=True)
        .order_by("service__code"),
    )
    found: dict[int, tuple[float, Place, list[str]]] = {}
    for radius in RADII_KM:
        south, north, west, east = bounding_box(centre, radius)
        candidates = (
            allowed.filter(latitude__gte=south, latitude__lte=north)
            .filter(longitude__gte=west, longitude__lte=east)
            .exclude(pk__in=list(found))
            .prefetch_related(offers)
        )
        for place in candidates:
            if place.latitude is None or place.longitude is None:
                continue
            distance = haversine_km(centre, (float(place.latitude), float(place.longitude)))
            if distance > radius:
                continue
            services = [
                offer.service.label
                for offer in place.offers.all()
                if service_allowed(order, offer.service)
            ]
            if services:
                found[place.pk] = (distance, place, services)
        if len(found) >= limit:
            break
    nearest = sorted(found.values(), key=lambda item: (item[0], item[1].name, item[1].pk))
    return [
        LetterPlace(
            place=place,
            distance_km=distance,
            services=services,
            hours=_hours(place),
            contacts=_contacts(place),
        )
        for distance, place, services in nearest[:limit]
    ]


def render_cover_letter(
    *, booklet: Booklet, commune: Commune, output: BinaryIO | None = None
) -> bytes:
    """The letter as a PDF (A4); written to `output` if given, and returned."""
    order = booklet.order
    places = letter_places(order=order, commune=commune)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=printable(_("Votre pass numérique")),
        author="passnum",
    )
    document.build(_story(booklet=booklet, commune=commune, places=places))
    data = buffer.getvalue()
    if output is not None:
        output.write(data)
    return data


# --- Content -------------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["BodyText"], fontName="Helvetica", fontSize=10.5, leading=14
    )
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontName="Helvetica-Bold", fontSize=20, leading=24
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontName="Helvetica-Bold",
            fontSize=13.5,
            leading=17,
            spaceBefore=8,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base["Heading3"],
            fontName="Helvetica-Bold",
            fontSize=11.5,
            leading=14,
            spaceBefore=6,
            spaceAfter=2,
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9.5, leading=12.5),
    }


def _text(value: str) -> str:
    """Plain text made safe for a Paragraph (its markup) and for the standard fonts."""
    return escape(printable(str(value))).replace("\n", "<br/>")


def _story(*, booklet: Booklet, commune: Commune, places: list[LetterPlace]) -> list:
    order = booklet.order
    styles = _styles()
    passes = booklet.last_serial - booklet.first_serial + 1
    value = format_euros(order.face_value_cents)
    valid_until = formats.date_format(order.valid_until, "DATE_FORMAT")
    distributor = booklet.distributor.name if booklet.distributor is not None else ""
    story: list = [
        Paragraph(_text(_("Votre pass numérique")), styles["title"]),
        Paragraph(
            _text(
                _(
                    "Ce carnet n° %(number)s contient %(count)s pass de %(value)s, offerts par "
                    "%(sponsor)s, pour apprendre à utiliser le numérique près de chez vous : "
                    "téléphone, ordinateur, e-mail, démarches en ligne, sécurité."
                )
                % {
                    "number": booklet.number,
                    "count": passes,
                    "value": value,
                    "sponsor": order.sponsor.name,
                }
            ),
            styles["body"],
        ),
        Paragraph(
            _text(_("Vos pass sont valables jusqu'au %(date)s.") % {"date": valid_until}),
            styles["body"],
        ),
        Paragraph(_text(_("Comment faire")), styles["h2"]),
    ]
    steps = [
        _(
            "Choisissez un lieu dans la liste ci-dessous, le plus proche ou le plus pratique pour vous."
        ),
        _(
            "Appelez-le ou passez le voir pour prendre rendez-vous : dites que vous avez des pass numériques."
        ),
        _(
            "Sur place, donnez vos pass : chacun vaut %(value)s. Si le service coûte plus cher, "
            "vous payez le reste ; aucune monnaie n'est rendue sur un pass."
        )
        % {"value": value},
        _("Gardez les pass qui restent pour une prochaine fois, jusqu'au %(date)s.")
        % {"date": valid_until},
        _(
            "Vous avez perdu votre carnet, ou on vous l'a volé ? Prévenez vite %(who)s : les "
            "pass peuvent être bloqués et remplacés."
        )
        % {"who": distributor or _("la personne qui vous l'a remis")},
    ]
    for index, step in enumerate(steps, start=1):
        story.append(Paragraph(_text(f"{index}. {step}"), styles["body"]))
    story.append(Paragraph(_text(_("Ce que vos pass permettent")), styles["h2"]))
    story.append(Paragraph(_text(rules_in_words(order)), styles["body"]))
    story.append(
        Paragraph(
            _text(_("Les lieux les plus proches de %(commune)s") % {"commune": commune.name}),
            styles["h2"],
        )
    )
    if not places:
        story.append(
            Paragraph(
                _text(
                    _(
                        "Aucun lieu qualifié n'accepte encore ces pass près de %(commune)s. "
                        "Demandez conseil à %(who)s."
                    )
                    % {
                        "commune": commune.name,
                        "who": distributor or _("la personne qui vous a remis ce carnet"),
                    }
                ),
                styles["body"],
            )
        )
    for item in places:
        story.append(KeepTogether(_place_block(item, styles)))
    story.append(Spacer(1, 4 * mm))
    public_list = settings.SITE_URL.rstrip("/") + reverse("public_places")
    story.append(
        Paragraph(
            _text(_("Tous les lieux qualifiés, avec leur carte : %(url)s") % {"url": public_list}),
            styles["small"],
        )
    )
    if distributor:
        story.append(
            Paragraph(_text(_("Carnet remis par %(who)s.") % {"who": distributor}), styles["small"])
        )
    return story


def _place_block(item: LetterPlace, styles: dict[str, ParagraphStyle]) -> list:
    place = item.place
    distance = formats.number_format(round(item.distance_km, 1), decimal_pos=1)
    lines = [
        Paragraph(_text(place.name), styles["h3"]),
        Paragraph(
            _text(
                _("%(address)s, %(postcode)s %(commune)s — à %(distance)s km")
                % {
                    "address": place.address,
                    "postcode": place.postcode,
                    "commune": place.commune_name,
                    "distance": distance,
                }
            ),
            styles["small"],
        ),
        Paragraph(
            _text(_("Services : %(services)s") % {"services": " ; ".join(item.services)}),
            styles["small"],
        ),
    ]
    if item.hours:
        lines.append(
            Paragraph(
                _text(_("Horaires : %(hours)s") % {"hours": " ; ".join(item.hours)}),
                styles["small"],
            )
        )
    if item.contacts:
        lines.append(
            Paragraph(
                _text(_("Contact : %(contacts)s") % {"contacts": " — ".join(item.contacts)}),
                styles["small"],
            )
        )
    return lines


def commune_centre(commune: Commune) -> tuple[float, float]:
    for candidate in (commune, commune.parent):
        if (
            candidate is not None
            and candidate.latitude is not None
            and candidate.longitude is not None
        ):
            return float(candidate.latitude), float(candidate.longitude)
    raise InvalidInput(
        _("La position de %(commune)s n'est pas connue : choisissez une commune voisine."),
        commune=commune.name,
    )


def _hours(place: Place) -> list[str]:
    from passnum.places.wording import opening_hours_in_french

    if not place.opening_hours:
        return []
    return opening_hours_in_french(place.opening_hours) or [place.opening_hours]


def _contacts(place: Place) -> list[str]:
    from passnum.places.wording import format_phone

    contacts = []
    if place.phone:
        contacts.append(format_phone(place.phone))
    if place.email:
        contacts.append(place.email)
    if place.website:
        contacts.append(place.website)
    if place.booking_url:
        contacts.append(_("rendez-vous en ligne : %(url)s") % {"url": place.booking_url})
    return contacts
