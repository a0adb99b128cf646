"""The scanning page of a place's staff (issue #9), end to end with the Django test client:
choosing the place, the offer's services and prices, typed codes (one per line, as a handheld
scanner types them, or a pass's QR address), checks before confirming (the form's button and
the script's JSON endpoint, throttled), refusals per pass, idempotency on a double submit, the
result, undo, the recent scans, and isolation between providers and between places."""

import datetime
import re
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.orders.services import UsageRules
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.places.enums import QualificationStatus
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption
from passnum.redemptions.services import redeem_passes
from passnum.www.scan import views as scan_views
from passnum.www.scan.forms import code_from_scan, codes_in
from tests.factories import PlaceFactory, a_service, make_acting, make_order, offer, passes_of
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db

PRICE = 1500  # a pass is worth 10 €: one pass leaves 5 € to pay, two cover it


def url(name, *args):
    return reverse(f"scan:{name}", args=args)


@pytest.fixture
def service(place):
    return offer(place, price_cents=PRICE).service


@pytest.fixture
def client(provider):
    return logged_in(provider)


@pytest.fixture
def codes(paid_order):
    return [item.code for item in passes_of(paid_order)]


def status(code):
    return Pass.objects.get(code=code).status


def hidden_key(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found, "no idempotency key in the form"
    return found.group(1)


def fresh_key(client, place) -> str:
    return hidden_key(client.get(url("scan", place.pk)).text)


def send(client, place, service, lines, *, action="redeem", key=None):
    return client.post(
        url("scan", place.pk),
        {
            "service": service.code,
            "codes": "\n".join(lines),
            "idempotency_key": key or fresh_key(client, place),
            "action": action,
        },
    )


def redeem(provider, place, service, codes, price=PRICE):
    return redeem_passes(
        acting=provider, place=place, service=service, price_cents=price, codes=codes
    ).redemption


# --- Reading what a scanner sends --------------------------------------------------------------


def test_codes_come_one_per_line_or_from_a_pass_address():
    text = (
        "k7pq2-xm4rt-9hwac\r\n\n  https://pass.example.fr/p/ABCDE23456FGHJK  \n"
        "http://127.0.0.1:8000/p/ZZZZZ-22222-33333/?utm=x\n"
        "https://pass.example.fr/p/YFENF5XFU4YK32U#1000.20280131.l0FdAtuAOH-ulpeQ_g1\nXYZ\n"
    )
    assert codes_in(text) == [
        "k7pq2-xm4rt-9hwac",
        "ABCDE23456FGHJK",
        "ZZZZZ-22222-33333",
        "YFENF5XFU4YK32U",
        "XYZ",
    ]
    assert code_from_scan("  AB/CD ") == "AB/CD"  # not a pass address: left for the rules


# --- Choosing the place ------------------------------------------------------------------------


def test_one_place_goes_straight_to_its_page_several_are_listed(client, provider, place):
    response = client.get(url("places"))
    assert response.status_code == 302 and response["Location"] == url("scan", place.pk)

    second = PlaceFactory(organisation=provider.organisation, name="Annexe du Lac")
    other = PlaceFactory(name="Lieu d'un autre")
    page = client.get(url("places")).text
    assert url("scan", place.pk) in page and url("scan", second.pk) in page
    assert "Annexe du Lac" in page and "Lieu d'un autre" not in page
    assert url("scan", other.pk) not in page
    assert url("places") in client.get(url("scan", second.pk)).text  # "change place"


def test_only_provider_members_scan(sponsor, place):
    assert Client().get(url("scan", place.pk)).status_code == 302  # to the login page
    assert logged_in(sponsor).get(url("places")).status_code == 403
    member = make_acting(
        OrganisationKind.PROVIDER, organisation=place.organisation, role=MemberRole.MEMBER
    )
    assert logged_in(member).get(url("scan", place.pk)).status_code == 200


# --- The form ----------------------------------------------------------------------------------


def test_the_page_offers_the_place_services_at_their_prices(client, place, service):
    other = offer(place, service=a_service("demarches"), price_cents=3000)

    response = client.get(url("scan", place.pk))

    page = response.text
    assert response.status_code == 200
    assert f'<option value="{service.code}">{service.label} — 15,00\xa0€ (2 pass)</option>' in page
    assert f"{other.service.label} — 30,00\xa0€ (3 pass)" in page
    assert hidden_key(page).startswith("page-")
    assert hidden_key(page) != fresh_key(client, place)  # a key per display of the form
    # Works without JavaScript; the script and its decoder are this site's static files.
    assert 'name="codes"' in page and 'value="check"' in page
    assert "/static/vendor/zxing/zxing.min.js" in page and "/static/passnum/scan.js" in page
    assert "Scanner une photo" in page and 'id="scan-config"' in page
    assert "<script>" not in page  # nothing inline: the policy forbids it


def test_a_place_without_offer_or_not_qualified_says_so(client, provider):
    empty = PlaceFactory(organisation=provider.organisation)
    assert "ne propose encore aucun service" in client.get(url("scan", empty.pk)).text
    draft = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.SUBMITTED
    )
    assert "pas qualifié" in client.get(url("scan", draft.pk)).text


# --- Typed codes -------------------------------------------------------------------------------


def test_typed_codes_are_redeemed_and_the_result_says_what_is_left_to_pay(
    client, place, service, codes
):
    lines = [pass_codes.display(codes[0]).lower(), f"https://pass.example.fr/p/{codes[1]}"]

    response = send(client, place, service, lines)

    redemption = Redemption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("result", place.pk, redemption.pk)
    assert {status(codes[0]), status(codes[1])} == {PassStatus.REDEEMED}
    assert redemption.price_cents == PRICE and redemption.amount_cents == 2000
    assert check_ledger() == []
    page = client.get(response["Location"]).text
    assert "2 pass utilisés" in page and "rien à payer en plus" in page
    assert pass_codes.display(codes[0]) in page and pass_codes.display(codes[1]) in page
    assert "Annuler ce paiement" in page


def test_one_pass_for_a_dearer_service_leaves_the_rest_to_pay(client, place, service, codes):
    response = send(client, place, service, [codes[0]])
    page = client.get(response["Location"]).text
    assert "1 pass utilisé" in page
    assert "La personne vous paie directement 5,00\xa0€." in page


def test_the_check_button_shows_each_pass_before_confirming(
    client, provider, place, service, codes
):
    redeem(provider, place, service, [codes[2]])
    typo = codes[3][:-1] + ("2" if codes[3][-1] != "2" else "3")

    response = send(
        client, place, service, [codes[0], codes[2], typo, "N0T-A-C0DE", codes[0]], action="check"
    )

    assert response.status_code == 200
    rows = re.findall(r"<tr>\s*<td class=\"passnum-code\">(.*?)</tr>", response.text, re.S)
    assert len(rows) == 5
    assert "Utilisable ici" in rows[0] and "10,00\xa0€" in rows[0] and "Actif" in rows[0]
    assert "Refusé" in rows[1] and "a déjà été utilisé le" in rows[1]
    assert "Inconnu" in rows[2] and "le dernier caractère ne correspond pas" in rows[2]
    assert "Inconnu" in rows[3] and "Code illisible" in rows[3]
    assert "saisi deux fois" in rows[4]
    assert status(codes[0]) == PassStatus.ACTIVE  # nothing redeemed by a check
    assert Redemption.objects.count() == 1


def test_refusals_are_given_per_pass_and_nothing_is_redeemed(
    client, provider, place, service, codes, sponsor, operator
):
    redeem(provider, place, service, [codes[2]])
    elsewhere = make_order(
        sponsor=sponsor, operator=operator, rules=UsageRules(departements=["75"])
    )
    outside = passes_of(elsewhere)[0].code

    response = send(client, place, service, [codes[0], codes[2], outside])

    assert response.status_code == 400
    page = response.text
    assert "Paiement refusé : aucun pass n'a été utilisé." in page
    refusal = page[page.index('id="refusal"') :]
    refusal = refusal[: refusal.index("</div>")]
    assert f"{pass_codes.display(codes[0])}</span> : rien à redire pour ce pass." in refusal
    assert "a déjà été utilisé le" in refusal
    assert "pas utilisable dans ce territoire" in refusal
    assert status(codes[0]) == PassStatus.ACTIVE
    assert Redemption.objects.count() == 1
    # The codes stay in the form, to correct and send again.
    textarea = page.split('name="codes"')[1].split("</textarea>")[0]
    assert codes[0] in textarea and outside in textarea


def test_whole_payment_refusals_are_shown_too(client, place, service, codes):
    response = send(client, place, service, codes[:3])  # 30 € of passes for 15 €
    assert response.status_code == 400
    assert "Trop de pass pour ce prix" in response.text


def test_a_service_outside_the_offer_is_not_a_choice(client, place, service, codes):
    response = client.post(
        url("scan", place.pk),
        {
            "service": a_service("demarches").code,
            "codes": codes[0],
            "idempotency_key": fresh_key(client, place),
        },
    )
    assert response.status_code == 400
    assert 'id="id_service_error"' in response.text
    assert status(codes[0]) == PassStatus.ACTIVE


def test_no_codes_is_a_field_error(client, place, service):
    response = send(client, place, service, ["", "  "])
    assert response.status_code == 400
    assert 'id="id_codes_error"' in response.text


# --- Idempotency -------------------------------------------------------------------------------


def test_a_double_submit_redeems_once_and_shows_the_same_result(client, place, service, codes):
    key = fresh_key(client, place)

    first = send(client, place, service, [codes[0]], key=key)
    second = send(client, place, service, [codes[0]], key=key)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Redemption.objects.count() == 1
    assert "déjà enregistré" in client.get(second["Location"]).text
    assert check_ledger() == []


def test_a_kept_form_sent_again_with_other_passes_gets_a_new_key(client, place, service, codes):
    key = fresh_key(client, place)
    send(client, place, service, [codes[0]], key=key)

    response = send(client, place, service, [codes[1]], key=key)

    assert response.status_code == 409
    assert "clé d&#x27;idempotence a déjà servi" in response.text
    new_key = hidden_key(response.text)
    assert new_key != key
    assert status(codes[1]) == PassStatus.ACTIVE
    assert send(client, place, service, [codes[1]], key=new_key).status_code == 302
    assert status(codes[1]) == PassStatus.REDEEMED


# --- Undo and the recent scans ------------------------------------------------------------------


def minutes_later(minutes):
    return mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.now() + datetime.timedelta(minutes=minutes),
    )


def test_undo_from_the_result_gives_the_passes_back(client, place, service, codes):
    location = send(client, place, service, codes[:2])["Location"]
    redemption = Redemption.objects.get()

    response = client.post(url("undo", place.pk, redemption.pk), follow=True)

    assert response.redirect_chain[-1][0] == location
    assert "Paiement annulé" in response.text and "Annuler ce paiement" not in response.text
    assert {status(codes[0]), status(codes[1])} == {PassStatus.ACTIVE}
    assert check_ledger() == []
    again = client.post(url("undo", place.pk, redemption.pk), follow=True)
    assert "déjà été annulée" in again.text


def test_undo_from_the_recent_list_and_too_late(client, provider, place, service, codes):
    late = redeem(provider, place, service, [codes[0]])
    with minutes_later(10):
        recent = redeem(provider, place, service, [codes[1]])
    with minutes_later(16):
        page = client.get(url("scan", place.pk)).text
        # Only the younger one may still be undone.
        assert page.count(url("undo", place.pk, recent.pk)) == 1
        assert url("undo", place.pk, late.pk) not in page
        refused = client.post(url("undo", place.pk, late.pk), {"back": "list"}, follow=True)
        assert "que dans les 15 minutes" in refused.text
        done = client.post(url("undo", place.pk, recent.pk), {"back": "list"}, follow=True)
    assert done.redirect_chain[-1][0] == url("scan", place.pk) + "#recent"
    assert status(codes[0]) == PassStatus.REDEEMED and status(codes[1]) == PassStatus.ACTIVE
    assert check_ledger() == []


def test_recent_list_shows_the_latest_scans_of_this_place_only(
    client, provider, place, service, codes, monkeypatch
):
    monkeypatch.setattr(scan_views, "RECENT", 2)
    other_place = PlaceFactory(organisation=provider.organisation)
    other_service = offer(other_place, price_cents=PRICE).service
    oldest = redeem(provider, place, service, [codes[0]])
    middle = redeem(provider, place, service, [codes[1]])
    newest = redeem(provider, place, service, [codes[2], codes[3]])
    elsewhere = redeem(provider, other_place, other_service, [codes[4]])
    client.post(url("undo", place.pk, middle.pk))

    page = client.get(url("scan", place.pk)).text
    table = page[page.index('id="recent-list"') :]

    assert url("result", place.pk, newest.pk) in table
    assert url("result", place.pk, middle.pk) in table
    assert url("result", place.pk, oldest.pk) not in table
    assert pass_codes.display(codes[4]) not in table
    assert pass_codes.display(codes[2]) in table and pass_codes.display(codes[3]) in table
    assert table.count("Annulé") == 1
    assert service.label in table and "20,00\xa0€" in table
    assert url("result", other_place.pk, elsewhere.pk) not in table


# --- Isolation ---------------------------------------------------------------------------------


def test_another_provider_gets_404_for_the_place_its_scans_and_undo(
    provider, place, service, codes
):
    redemption = redeem(provider, place, service, [codes[0]])
    other = make_acting(OrganisationKind.PROVIDER)
    stranger = logged_in(other)

    assert stranger.get(url("scan", place.pk)).status_code == 404
    assert stranger.get(url("check", place.pk), {"code": codes[1]}).status_code == 404
    assert stranger.get(url("result", place.pk, redemption.pk)).status_code == 404
    assert stranger.post(url("undo", place.pk, redemption.pk)).status_code == 404
    assert (
        stranger.post(
            url("scan", place.pk),
            {"service": service.code, "codes": codes[1], "idempotency_key": "k"},
        ).status_code
        == 404
    )
    # Its own place does not open another's scans either.
    own = PlaceFactory(organisation=other.organisation)
    assert stranger.get(url("result", own.pk, redemption.pk)).status_code == 404
    assert stranger.post(url("undo", own.pk, redemption.pk)).status_code == 404
    assert url("result", place.pk, redemption.pk) not in stranger.get(url("scan", own.pk)).text
    assert Redemption.objects.get().undone_at is None
    assert status(codes[1]) == PassStatus.ACTIVE


def test_a_scan_is_seen_only_under_its_own_place(client, provider, place, service, codes):
    redemption = redeem(provider, place, service, [codes[0]])
    sibling = PlaceFactory(organisation=provider.organisation)
    assert client.get(url("result", sibling.pk, redemption.pk)).status_code == 404
    assert client.post(url("undo", sibling.pk, redemption.pk)).status_code == 404
    assert Redemption.objects.get().undone_at is None


# --- The script's live check -------------------------------------------------------------------


def test_live_check_says_what_the_pass_allows_here(client, provider, place, service, codes):
    body = client.get(
        url("check", place.pk), {"code": f"http://x/p/{codes[0]}", "service": service.code}
    ).json()
    assert body["code"] == pass_codes.display(codes[0])
    assert body["usable"] is True and body["known"] is True
    assert body["face_value_cents"] == 1000 and body["value"] == "10,00\xa0€"
    assert body["status"] == "Actif" and body["reasons"] == [] and body["expires_on"]

    not_offered = client.get(
        url("check", place.pk), {"code": codes[0], "service": a_service("demarches").code}
    ).json()
    assert not_offered["usable"] is False
    assert "ne propose pas le service" in not_offered["reasons"][0]

    redeem(provider, place, service, [codes[1]])
    used = client.get(url("check", place.pk), {"code": codes[1], "service": service.code}).json()
    assert used["usable"] is False and "déjà été utilisé le" in used["reasons"][0]

    unknown = client.get(url("check", place.pk), {"code": "nope"}).json()
    assert unknown["known"] is False and "Code illisible" in unknown["reasons"][0]


def test_checks_are_throttled_like_the_api(client, place, service, codes, settings):
    settings.PASSNUM_CODE_CHECKS_PER_MINUTE = 3
    for _ in range(3):
        assert client.get(url("check", place.pk), {"code": codes[0]}).status_code == 200

    refused = client.get(url("check", place.pk), {"code": codes[0]})

    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Trop de codes vérifiés" in refused.json()["message"]
    # The form's check button counts too, per code.
    page = send(client, place, service, [codes[0]], action="check")
    assert page.status_code == 429 and "Trop de codes vérifiés" in page.text
    # Another member has a budget of their own.
    colleague = logged_in(make_acting(OrganisationKind.PROVIDER, organisation=place.organisation))
    assert colleague.get(url("check", place.pk), {"code": codes[0]}).status_code == 200


def test_place_staff_find_the_page_from_home_and_header(client, place, sponsor):
    assert client.get("/").text.count(f'href="{url("places")}"') == 2
    assert url("places") not in logged_in(sponsor).get("/").text
