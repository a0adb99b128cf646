"""Offline scans (issue #9, docs/offline.md), server side: the queue a scanning page sends back
online is redeemed once however often it is sent; a pass already redeemed when it arrives is a
conflict, recorded, shown to the place that queued it, to the place that was paid (without
naming the other) and to the operator; the daily allowance holds at sync; a forged signature
redeems nothing; a place never sends to nor sees another's."""

import datetime
import json
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.offline import pass_fragment
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions import offline
from passnum.redemptions.models import OfflineOutcome, OfflineScan, Redemption
from passnum.redemptions.services import redeem_passes
from tests.factories import PlaceFactory, make_acting, offer, passes_of
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db

PRICE = 1500


@pytest.fixture
def service(place):
    return offer(place, price_cents=PRICE).service


@pytest.fixture
def client(provider):
    return logged_in(provider)


@pytest.fixture
def passes(paid_order):
    return passes_of(paid_order)


@pytest.fixture
def elsewhere(service):
    """Another provider's place offering the same service."""
    other = make_acting(OrganisationKind.PROVIDER)
    other_place = PlaceFactory(organisation=other.organisation, name="Tiers-lieu du Port")
    offer(other_place, service=service, price_cents=PRICE)
    return other, other_place


def qr(item: Pass, *, fragment: str | None = None) -> str:
    """What the camera reads on the printed pass: its address and its signed facts."""
    if fragment is None:
        fragment = pass_fragment(
            code=item.code,
            face_value_cents=item.order.face_value_cents,
            last_day=item.order.expires_on,
        )
    return f"https://passnum.example.org/p/{item.code}#{fragment}"


def queued(item: Pass, service, *, key=None, when=None, fragment=None) -> dict:
    return {
        "key": key or f"offline-scan-{uuid.uuid4()}",
        "service": service.code,
        "qr": qr(item, fragment=fragment),
        "scanned_at": (when or timezone.now()).isoformat(),
    }


def sync(client, place, scans):
    return client.post(
        reverse("scan:offline_sync", args=[place.pk]),
        json.dumps({"scans": scans}),
        content_type="application/json",
    )


def outcomes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [result["outcome"] for result in response.json()["results"]]


def status(item: Pass) -> str:
    item.refresh_from_db()
    return item.status


# --- Sending the queue -------------------------------------------------------------------------


def test_a_queue_sent_twice_redeems_each_pass_once(client, place, service, passes):
    scans = [queued(passes[0], service), queued(passes[1], service)]
    first = sync(client, place, scans)
    assert outcomes(first) == ["redeemed", "redeemed"]
    results = first.json()["results"]
    assert results[0]["code"] == pass_codes.display(passes[0].code)
    assert results[0]["value"] == "10,00\xa0€"
    assert first.json()["state"]["used"] == 2

    again = sync(client, place, scans)  # the answer was lost: the page sends the same queue
    assert outcomes(again) == ["redeemed", "redeemed"]
    assert Redemption.objects.count() == 2
    assert OfflineScan.objects.count() == 2
    assert {status(item) for item in passes[:2]} == {PassStatus.REDEEMED}
    scan = OfflineScan.objects.get(code=passes[0].code)
    assert scan.redemption.place == place and scan.redemption.price_cents == PRICE
    assert scan.redemption.idempotency_key == f"offline-{scans[0]['key']}"
    assert scan.face_value_cents == 1000 and scan.pass_item == passes[0]
    assert check_ledger() == []


def test_one_refused_pass_does_not_sink_the_others(client, place, service, passes, provider):
    redeem_passes(
        acting=provider, place=place, service=service, price_cents=PRICE, codes=[passes[0].code]
    )
    answer = sync(client, place, [queued(passes[0], service), queued(passes[1], service)])
    assert outcomes(answer) == ["conflict", "redeemed"]


def test_a_key_sent_again_for_another_pass_redeems_nothing(client, place, service, passes):
    key = f"offline-scan-{uuid.uuid4()}"
    assert outcomes(sync(client, place, [queued(passes[0], service, key=key)])) == ["redeemed"]
    answer = sync(client, place, [queued(passes[1], service, key=key)])
    assert outcomes(answer) == ["refused"]
    assert "clé d'idempotence" in answer.json()["results"][0]["message"]
    assert status(passes[1]) == PassStatus.ACTIVE


def test_bad_sendings_are_refused_whole(client, place, service, passes):
    path = reverse("scan:offline_sync", args=[place.pk])
    assert client.post(path, "pas du json", content_type="application/json").status_code == 400
    too_many = [queued(passes[0], service) for _ in range(offline.MAX_SCANS_PER_SYNC + 1)]
    assert sync(client, place, too_many).status_code == 400
    naive = queued(passes[0], service)
    naive["scanned_at"] = "2026-01-01T10:00:00"
    assert sync(client, place, [naive]).status_code == 400
    short_key = queued(passes[0], service, key="abc")
    assert sync(client, place, [short_key]).status_code == 400
    for when in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"):
        far = queued(passes[0], service)
        far["scanned_at"] = when
        assert sync(client, place, [far]).status_code == 400
    for bad in ("AB\x00CD", "AB\ud800CD"):
        hostile = queued(passes[0], service)
        hostile["qr"] = hostile["qr"].replace("/p/", f"/p/{bad}")
        assert sync(client, place, [hostile]).status_code == 400
    nested = client.post(
        reverse("scan:offline_sync", args=[place.pk]),
        "[" * 100_000,
        content_type="application/json",
    )
    assert nested.status_code == 400
    assert not OfflineScan.objects.exists()
    assert status(passes[0]) == PassStatus.ACTIVE


def test_an_unknown_service_is_refused_and_not_recorded(client, place, service, passes):
    scan = queued(passes[0], service)
    scan["service"] = "NOPE"
    assert outcomes(sync(client, place, [scan])) == ["refused"]
    assert not OfflineScan.objects.exists()


def test_the_sync_needs_the_csrf_token_the_state_gives(provider, place, service, passes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider.user)
    body = json.dumps({"scans": [queued(passes[0], service)]})
    path = reverse("scan:offline_sync", args=[place.pk])
    assert client.post(path, body, content_type="application/json").status_code == 403
    state = client.get(reverse("scan:offline_state", args=[place.pk]))
    assert state.status_code == 200 and state["Cache-Control"] == "no-store"
    token = state.json()["csrf"]
    answer = client.post(
        path, body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert outcomes(answer) == ["redeemed"]


def test_signed_out_the_page_is_sent_to_the_login(place):
    answer = Client().get(reverse("scan:offline_state", args=[place.pk]))
    assert answer.status_code == 302 and reverse("login") in answer["Location"]


# --- Forged signatures -------------------------------------------------------------------------


def test_a_forged_signature_redeems_nothing(client, place, service, passes):
    genuine = pass_fragment(
        code=passes[0].code,
        face_value_cents=passes[0].order.face_value_cents,
        last_day=passes[0].order.expires_on,
    )
    face, day, signature = genuine.split(".")
    other = pass_fragment(
        code=passes[1].code,
        face_value_cents=passes[1].order.face_value_cents,
        last_day=passes[1].order.expires_on,
    )
    forged = [
        f"5000.{day}.{signature}",  # a higher value under the same signature
        other,  # another pass's signature
        "",  # no signature at all (a typed code)
        f"{face}.{day}.{'A' * 86}",
    ]
    scans = [queued(passes[0], service, fragment=fragment) for fragment in forged]
    answer = sync(client, place, scans)
    assert outcomes(answer) == ["forged"] * 4
    assert "signature" in answer.json()["results"][0]["message"]
    assert status(passes[0]) == PassStatus.ACTIVE
    assert not Redemption.objects.exists()
    assert OfflineScan.objects.filter(outcome=OfflineOutcome.FORGED).count() == 4
    assert answer.json()["state"]["used"] == 0  # forged scans use nothing of the allowance


def test_split_qr_reads_the_code_and_the_fragment():
    assert offline.split_qr(" https://x.org/p/ABCDE23456FGH7K#1000.20281231.sig ") == (
        "ABCDE23456FGH7K",
        "1000.20281231.sig",
    )
    assert offline.split_qr("https://x.org/p/ABCDE23456FGH7K/?a=b") == ("ABCDE23456FGH7K", "")
    assert offline.split_qr("ABCDE-23456-FGH7K") == ("ABCDE-23456-FGH7K", "")


# --- The allowance -----------------------------------------------------------------------------


def test_the_allowance_holds_at_sync(client, place, service, passes, settings):
    settings.PASSNUM_OFFLINE_PASSES_PER_PLACE_PER_DAY = 2
    now = timezone.now()
    yesterday = now - datetime.timedelta(days=1)
    scans = [queued(item, service, when=now) for item in passes[:3]]
    scans.append(queued(passes[3], service, when=yesterday))  # another day's allowance
    answer = sync(client, place, scans)
    assert outcomes(answer) == ["redeemed", "redeemed", "over_allowance", "redeemed"]
    refused = answer.json()["results"][2]
    assert "limite de 2 pass" in refused["message"] and "reste valable" in refused["message"]
    assert status(passes[2]) == PassStatus.ACTIVE
    assert answer.json()["state"] == {
        **answer.json()["state"],
        "allowance": 2,
        "used": 2,
        "day": timezone.localdate().isoformat(),
    }
    # Each device of the place counts in the same allowance: a second sending is refused too.
    assert outcomes(sync(client, place, [queued(passes[4], service)])) == ["over_allowance"]
    state = client.get(reverse("scan:offline_state", args=[place.pk])).json()
    assert (state["allowance"], state["used"]) == (2, 2)


def test_a_device_clock_cannot_move_scans_out_of_the_window():
    now = timezone.now()
    today = timezone.localdate(now)
    assert offline.counted_day(now + datetime.timedelta(days=3), now=now) == today
    long_ago = now - datetime.timedelta(days=400)
    assert offline.counted_day(long_ago, now=now) == today - datetime.timedelta(
        days=offline.OFFLINE_MAX_AGE_DAYS
    )
    yesterday = now - datetime.timedelta(days=1)
    assert offline.counted_day(yesterday, now=now) == timezone.localdate(yesterday)


def test_online_redemptions_do_not_use_the_offline_allowance(
    client, place, service, passes, provider, settings
):
    settings.PASSNUM_OFFLINE_PASSES_PER_PLACE_PER_DAY = 1
    redeem_passes(
        acting=provider, place=place, service=service, price_cents=PRICE, codes=[passes[0].code]
    )
    assert outcomes(sync(client, place, [queued(passes[1], service)])) == ["redeemed"]


# --- Conflicts ---------------------------------------------------------------------------------


def test_a_pass_redeemed_elsewhere_before_the_sync_is_a_conflict_seen_by_all(
    client, place, service, passes, elsewhere, operator
):
    other, other_place = elsewhere
    item = passes[0]
    paid = redeem_passes(
        acting=other, place=other_place, service=service, price_cents=PRICE, codes=[item.code]
    ).redemption
    answer = sync(client, place, [queued(item, service)])
    assert outcomes(answer) == ["conflict"]
    message = answer.json()["results"][0]["message"]
    assert "déjà été utilisé" in message
    scan = OfflineScan.objects.get()
    assert scan.outcome == OfflineOutcome.CONFLICT and scan.conflict_with == paid
    assert scan.redemption is None
    assert Redemption.objects.count() == 1  # the place paid is the one recorded first
    assert check_ledger() == []

    # The place that scanned offline: its page lists the conflict.
    page = client.get(reverse("scan:scan", args=[place.pk])).text
    received = page[page.index('id="offline-received-list"') :]
    assert pass_codes.display(item.code) in received
    assert "Déjà utilisé : non payé" in received

    # The place paid: told, without the other place's name.
    other_page = logged_in(other).get(reverse("scan:scan", args=[other_place.pk])).text
    assert "Ce pass a aussi été présenté hors ligne à un autre lieu" in other_page
    assert 'id="presented-offline-list"' in other_page
    assert place.name not in other_page and place.organisation.name not in other_page

    # The operator: both places.
    listing = logged_in(operator).get(reverse("scan:offline_conflicts"))
    assert listing.status_code == 200
    table = listing.text[listing.text.index('id="conflicts"') :]
    assert place.name in table and other_place.name in table
    assert pass_codes.display(item.code) in table
    assert reverse("anomalies") in listing.text
    assert reverse("scan:offline_conflicts") in logged_in(operator).get(reverse("anomalies")).text


def test_a_pass_redeemed_online_at_the_same_place_is_a_conflict_too(
    client, place, service, passes, provider
):
    item = passes[0]
    redeem_passes(
        acting=provider, place=place, service=service, price_cents=PRICE, codes=[item.code]
    )
    assert outcomes(sync(client, place, [queued(item, service)])) == ["conflict"]
    page = client.get(reverse("scan:scan", args=[place.pk])).text
    assert "Ce pass a aussi été présenté hors ligne dans ce lieu" in page


def test_two_places_queue_the_same_pass_the_first_sent_is_paid(
    client, place, service, passes, elsewhere
):
    other, other_place = elsewhere
    item = passes[0]
    assert outcomes(sync(logged_in(other), other_place, [queued(item, service)])) == ["redeemed"]
    assert outcomes(sync(client, place, [queued(item, service)])) == ["conflict"]
    first = OfflineScan.objects.get(place=other_place)
    second = OfflineScan.objects.get(place=place)
    assert second.conflict_with == first.redemption


# --- Isolation ---------------------------------------------------------------------------------


def test_a_place_never_sends_to_nor_sees_another(
    client, place, service, passes, elsewhere, operator
):
    other, other_place = elsewhere
    assert sync(client, other_place, [queued(passes[0], service)]).status_code == 404
    assert client.get(reverse("scan:offline_state", args=[other_place.pk])).status_code == 404
    assert status(passes[0]) == PassStatus.ACTIVE

    # The same key from another organisation is its own scan.
    key = f"offline-scan-{uuid.uuid4()}"
    assert outcomes(sync(client, place, [queued(passes[1], service, key=key)])) == ["redeemed"]
    answer = sync(logged_in(other), other_place, [queued(passes[2], service, key=key)])
    assert outcomes(answer) == ["redeemed"]
    other_page = logged_in(other).get(reverse("scan:scan", args=[other_place.pk])).text
    assert pass_codes.display(passes[1].code) not in other_page

    # Only operator staff see the conflicts list.
    assert client.get(reverse("scan:offline_conflicts")).status_code == 403
    with pytest.raises(WrongOrganisationKind):
        offline.offline_conflicts(acting=other)


# --- The page and its worker -------------------------------------------------------------------


def test_the_page_carries_the_public_key_and_the_allowance(client, place, service, settings):
    settings.PASSNUM_OFFLINE_PASSES_PER_PLACE_PER_DAY = 7
    page = client.get(reverse("scan:scan", args=[place.pk])).text
    found = re.search(r'<script id="scan-config" type="application/json">(.*?)</script>', page)
    assert found
    config = json.loads(found.group(1))["offline"]
    from passnum.core.signing import public_jwk

    assert config["key"] == {"kty": "OKP", "crv": "Ed25519", "x": public_jwk()["x"]}
    assert (config["allowance"], config["used"]) == (7, 0)
    assert config["worker"] == "/scanner/sw.js"
    assert config["syncUrl"] == reverse("scan:offline_sync", args=[place.pk])
    assert "scan-offline.js" in page


def test_the_service_worker_is_served_from_the_scanner_scope():
    answer = Client().get(reverse("scan:worker"))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Cache-Control"] == "no-cache"
    body = answer.content.decode()
    assert '"/static/passnum/scan.js"' in body and '"/static/vendor/zxing/zxing.min.js"' in body
    assert '"logout": "/deconnexion/"' in body


@pytest.mark.postgres
def test_postgresql_keeps_offline_scans_as_written(client, place, service, passes):
    from django.db import IntegrityError, transaction

    sync(client, place, [queued(passes[0], service)])
    scan = OfflineScan.objects.get()
    for change in (
        lambda: OfflineScan.objects.filter(pk=scan.pk).update(outcome=OfflineOutcome.REFUSED),
        lambda: OfflineScan.objects.filter(pk=scan.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    OfflineScan.objects.filter(pk=scan.pk).update(member=None)
