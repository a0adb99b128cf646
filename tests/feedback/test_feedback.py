"""Feedback after a service: given with no account from the pass page or the place's link,
once per redemption, tied to it and never to a person; read per place (the place's own), per
territory (hubs, operator staff), with the public re-qualification rule."""

import datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.feedback.exceptions import FeedbackAlreadyGiven, FeedbackNotPossible
from passnum.feedback.models import Feedback
from passnum.feedback.services import feedback_url, record_feedback
from passnum.passes import codes as pass_codes
from passnum.redemptions.services import undo_redemption
from tests.factories import PlaceFactory, a_service, make_acting, make_order, passes_of
from tests.redemptions.test_redeem import redeem
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def used(sponsor, operator, provider, place):
    """A pass used at `place`, and its redemption."""
    order = make_order(sponsor=sponsor, operator=operator, quantity=10)
    item = passes_of(order)[0]
    return item, redeem(provider, place, [item]).redemption


def competence_codes(service) -> list[str]:
    return list(service.competences.order_by("code").values_list("code", flat=True))


def test_from_the_pass_page(used, place):
    item, redemption = used
    page = Client().get(reverse("pass_page", kwargs={"code": item.code})).text
    url = reverse("feedback_pass", kwargs={"code": pass_codes.display(item.code)})
    assert url in page
    form = Client().get(url)
    assert form.status_code == 200 and a_service().label in unescape(form.text)
    learned = competence_codes(a_service())[:1]
    done = Client().post(url, {"useful": "4", "would_return": "yes", "learned": learned})
    assert done.status_code == 200 and 'id="feedback-thanks"' in done.text
    feedback = Feedback.objects.get()
    assert (feedback.redemption, feedback.place, feedback.useful) == (redemption, place, 4)
    assert list(feedback.learned.values_list("code", flat=True)) == learned
    again = Client().post(url, {"useful": "1", "would_return": "no"})
    assert again.status_code == 409 and Feedback.objects.count() == 1


def test_from_the_places_link(used):
    _item, redemption = used
    link = feedback_url(redemption)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert Client().get("/" + path).status_code == 200
    assert Client().post("/" + path, {"useful": "3", "would_return": "maybe"}).status_code == 200
    assert Feedback.objects.get().would_return == "maybe"
    forged = Client().get(reverse("feedback_link", kwargs={"token": "abc:def"}))
    assert forged.status_code == 404 and Feedback.objects.count() == 1


def test_too_late_undone_or_unused(used, sponsor, operator, provider, settings):
    item, redemption = used
    settings.PASSNUM_FEEDBACK_DAYS = 2
    later = timezone.now() + datetime.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        with pytest.raises(FeedbackNotPossible):
            record_feedback(redemption=redemption, useful=3, would_return="yes")
        assert Client().get("/" + feedback_url(redemption).split("/", 3)[3]).status_code == 409
    unused = passes_of(make_order(sponsor=sponsor, operator=operator, quantity=10))[0]
    assert Client().get(reverse("feedback_pass", kwargs={"code": unused.code})).status_code == 404
    undo_redemption(acting=provider, redemption=redemption)
    response = Client().get(reverse("feedback_pass", kwargs={"code": item.code}))
    assert response.status_code == 404  # the pass is usable again: no redemption to rate
    with pytest.raises(FeedbackNotPossible):
        record_feedback(redemption=redemption, useful=3, would_return="yes")


def test_bad_answers_are_refused(used):
    _item, redemption = used
    with pytest.raises(FeedbackNotPossible):
        record_feedback(redemption=redemption, useful=9, would_return="yes")
    with pytest.raises(FeedbackNotPossible):
        record_feedback(redemption=redemption, useful=3, would_return="yes", learned=["9.9"])
    bad = Client().post(
        reverse("feedback_pass", kwargs={"code": _item.code}), {"useful": "x", "would_return": ""}
    )
    assert bad.status_code == 400 and not Feedback.objects.exists()
    record_feedback(redemption=redemption, useful=3, would_return="yes")
    with pytest.raises(FeedbackAlreadyGiven):
        record_feedback(redemption=redemption, useful=3, would_return="yes")


def test_results_are_scoped_and_apply_the_public_rule(sponsor, operator, provider, place, settings):
    settings.PASSNUM_FEEDBACK_MIN_ANSWERS = 3
    order = make_order(sponsor=sponsor, operator=operator, quantity=10)
    for item in passes_of(order)[:3]:
        redemption = redeem(provider, place, [item]).redemption
        record_feedback(redemption=redemption, useful=1, would_return="no")
    other_provider = make_acting(OrganisationKind.PROVIDER)
    elsewhere = PlaceFactory(
        organisation=other_provider.organisation,
        name="Lieu de Lyon",
        departement="69",
        commune_name="Lyon",
        commune_code="69123",
        postcode="69001",
        epci_code="200046977",
        region="84",
        latitude=Decimal("45.76"),
        longitude=Decimal("4.83"),
    )
    for item in passes_of(order)[3:4]:
        redemption = redeem(other_provider, elsewhere, [item]).redemption
        record_feedback(redemption=redemption, useful=4, would_return="yes")

    url = reverse("feedback_results")
    own = logged_in(provider).get(url).text
    assert place.name in own and "Lieu de Lyon" not in own and "À examiner" in own
    assert place.name not in logged_in(other_provider).get(url).text
    hub = make_acting(OrganisationKind.HUB)
    hub.organisation.territory = ["69"]
    hub.organisation.save(update_fields=["territory"])
    hub_page = logged_in(hub).get(url).text
    assert "Lieu de Lyon" in hub_page and place.name not in hub_page
    staff = logged_in(operator).get(url).text
    assert place.name in staff and "Lieu de Lyon" in staff and 'id="feedback-departements"' in staff
    assert logged_in(sponsor).get(url).status_code == 403
    assert Client().get(url).status_code == 403
    grid = Client().get(reverse("qualification:grid")).text
    assert "au moins 3 avis" in grid


@pytest.mark.postgres
def test_feedback_is_append_only_on_postgresql(used):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL triggers")
    _item, redemption = used
    feedback = record_feedback(redemption=redemption, useful=3, would_return="yes")
    for sql in (
        "UPDATE feedback_feedback SET useful = 4 WHERE id = %s",
        "DELETE FROM feedback_feedback WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [feedback.pk])


def test_the_scan_result_shows_the_feedback_qr(used, provider, place):
    import re

    import zxingcpp

    _item, redemption = used
    page = logged_in(provider).get(reverse("scan:result", args=[place.pk, redemption.pk])).text
    assert 'id="feedback-qr"' in page
    link = re.search(r'<a class="fr-link" href="([^"]+/avis/[^"]+)"', page).group(1)
    assert link == feedback_url(redemption)
    # The QR decodes to the same link: the page's SVG drawn by WeasyPrint, rasterised by PDFium.
    import pypdfium2
    from weasyprint import HTML

    svg = re.search(r'<div class="passnum-qr">(.*?)</div>', page, re.S).group(1)
    assert svg.lstrip().startswith("<svg") and "<?xml" not in page
    pdf = pypdfium2.PdfDocument(HTML(string=f"<html><body>{svg}</body></html>").write_pdf())
    image = pdf[0].render(scale=3, grayscale=True).to_pil()
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == link


def test_reviewers_see_the_feedback_of_the_files_places(
    provider, place, sponsor, operator, settings
):
    from passnum.places.models import ProviderFile

    settings.PASSNUM_FEEDBACK_MIN_ANSWERS = 2
    order = make_order(sponsor=sponsor, operator=operator, quantity=10)
    for item in passes_of(order)[:2]:
        redemption = redeem(provider, place, [item]).redemption
        record_feedback(redemption=redemption, useful=1, would_return="no")
    from tests.factories import give_bank_details

    file = give_bank_details(provider)  # opens the provider's file
    assert ProviderFile.objects.filter(pk=file.pk).exists()
    page = logged_in(operator).get(reverse("qualification:review_file", args=[file.pk])).text
    assert 'id="review-feedback"' in page and "À examiner" in page


def test_feedback_pages_count_against_the_pass_page_throttle(used, settings):
    settings.PASSNUM_PASS_PAGE_CHECKS_PER_MINUTE = 2
    item, _redemption = used
    client = Client(REMOTE_ADDR="198.51.100.20")
    assert client.get(reverse("pass_page", kwargs={"code": item.code})).status_code == 200
    assert client.get(reverse("feedback_pass", kwargs={"code": item.code})).status_code == 200
    refused = client.get(reverse("feedback_link", kwargs={"token": "x"}))
    assert refused.status_code == 429 and refused["Retry-After"]
    geojson = client.get(reverse("pass_places_geojson", kwargs={"code": item.code}))
    assert geojson.status_code == 429 and geojson["Retry-After"]
