"""The scanning page without network, in a real browser (issue #9, docs/offline.md).

The page is loaded online, so its service worker installs and keeps it; the browser goes
offline (`context.set_offline`) and the page is reloaded from the worker's copy (a payment
made meanwhile on the server does not show: the copy is what was kept). A photo of a pass from
a real printed booklet is read by the page's decoder: its QR's signature holds with the
instance's public key, so the pass is queued (IndexedDB) with what it is worth; a typed code is
refused offline. Back online the queue is sent by itself: the pass is redeemed. In the second
test the same pass is redeemed at another place before the page is back online: the page shows
the conflict, and the server recorded it. axe finds no violation on the offline states."""

import io
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.printing import render_booklets
from passnum.redemptions.models import OfflineOutcome, OfflineScan, Redemption
from passnum.redemptions.services import redeem_passes
from tests.browser.test_accessibility import audit, describe
from tests.browser.test_scan_page import PHOTO_DPI, log_in, watch
from tests.factories import PlaceFactory, make_acting, make_order, offer, passes_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

PRICE = 1500


def printed_pass(order, site_url: str) -> tuple[Image.Image, str]:
    """As tests/browser/test_scan_page.py takes it: the top strip of the first page of passes
    of the order's printed booklets at 150 dpi, and the pass's code, read back by zxing-cpp
    from its QR code — the one that carries the signature (its Code 128 is not read here)."""
    output = io.BytesIO()
    render_booklets(order=order, output=output, site_url=site_url)
    document = pypdfium2.PdfDocument(output.getvalue())
    try:
        sheet = document[1].render(scale=PHOTO_DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()
    strip = sheet.crop((0, 0, sheet.width, sheet.height // 5))
    found = zxingcpp.read_barcodes(strip, formats=zxingcpp.BarcodeFormat.QRCode)
    address = re.fullmatch(rf"{re.escape(site_url)}/p/(\w+)#\d+\.\d{{8}}\.[\w-]+", found[0].text)
    assert address, found[0].text
    return strip, address.group(1)


@pytest.fixture
def world(live_server):
    """A provider's place offering a service at 15 €, another provider's place offering it
    too, and a paid order of 10 passes of 10 €."""
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation, name="EPN de la Bastide")
    service = offer(place, price_cents=PRICE).service
    other = make_acting(OrganisationKind.PROVIDER)
    other_place = PlaceFactory(organisation=other.organisation, name="Tiers-lieu du Port")
    offer(other_place, service=service, price_cents=PRICE)
    order = make_order(
        sponsor=make_acting(OrganisationKind.SPONSOR),
        operator=make_acting(OrganisationKind.OPERATOR),
        quantity=10,
    )
    return provider, place, service, order, (other, other_place)


def queue_offline(page: Page, live_server, world, tmp_path: Path) -> str:
    """Online first (the worker keeps the page), then offline: the page comes from the worker's
    copy, a printed pass's photo is queued, a typed code refused. The pass's code."""
    provider, place, service, order, _elsewhere = world
    picture, scanned = printed_pass(order, live_server.url)
    photo = tmp_path / "pass.jpg"
    picture.save(photo, quality=90)

    log_in(page, provider.user.email, f"/scanner/{place.pk}/")
    expect(page.locator("#offline-ready")).to_have_text(
        "Cette page reste utilisable sans réseau sur cet appareil."
    )

    page.context.set_offline(True)
    # Made meanwhile on the server: a fresh page would list it, the worker's copy does not.
    typed = next(item.code for item in passes_of(order) if item.code != scanned)
    redeem_passes(acting=provider, place=place, service=service, price_cents=PRICE, codes=[typed])
    page.reload()
    expect(page.get_by_role("heading", name="Scanner des pass", level=1)).to_be_visible()
    expect(page.locator("#recent-list tbody tr")).to_have_text(["Aucun paiement pour le moment."])
    expect(page.locator("#offline-banner")).to_contain_text("Vous êtes hors ligne")
    expect(page.get_by_role("button", name="Confirmer le paiement")).to_be_hidden()

    page.get_by_label("Service rendu").select_option(service.code)
    page.get_by_label("Scanner une photo").set_input_files(photo)
    row = page.locator("#offline-list tbody tr", has_text=pass_codes.display(scanned))
    expect(row).to_contain_text("En attente")
    expect(row).to_contain_text("10,00\xa0€")
    expect(page.locator("#offline-count")).to_have_text(
        "Pass en attente d'envoi : 1, pour 10,00\xa0€."
    )
    expect(page.locator("#offline-remaining")).to_contain_text("peut encore accepter 19 pass")
    expect(page.locator("#scan-status")).to_contain_text("Pass mis en attente")

    # The same photo again queues nothing more; a typed code cannot be checked offline.
    page.get_by_label("Scanner une photo").set_input_files(photo)
    expect(page.locator("#scan-status")).to_contain_text("déjà dans la file d'attente")
    code_field = page.get_by_label("Code du pass")
    code_field.fill(pass_codes.display(typed))
    code_field.press("Enter")
    expect(page.locator("#scan-status")).to_contain_text("un code tapé ne peut pas être vérifié")
    expect(page.locator("#offline-list tbody tr")).to_have_count(1)

    assert Pass.objects.get(code=scanned).status == PassStatus.ACTIVE  # nothing sent yet
    assert not OfflineScan.objects.exists()
    return scanned


def no_violations(page: Page, name: str) -> None:
    found = audit(page, name)
    assert found == [], describe(found)


def test_scan_offline_then_sync_back_online(page: Page, live_server, world, tmp_path: Path):
    provider, place, _service, _order, _other = world
    problems = watch(page)
    scanned = queue_offline(page, live_server, world, tmp_path)
    no_violations(page, "scanning page, offline, one pass queued")

    page.context.set_offline(False)  # the `online` event sends the queue
    row = page.locator("#offline-list tbody tr", has_text=pass_codes.display(scanned))
    expect(row).to_contain_text("Utilisé")
    expect(page.locator("#offline-message")).to_have_text(
        "Envoi terminé. Pass utilisés : 1 ; non payés : 0."
    )
    expect(page.locator("#offline-count")).to_have_text("Aucun pass en attente d'envoi.")
    expect(page.locator("#offline-banner")).to_be_hidden()
    scan = OfflineScan.objects.get()
    assert scan.outcome == OfflineOutcome.REDEEMED and scan.place == place
    assert scan.member == provider.user
    assert Pass.objects.get(code=scanned).status == PassStatus.REDEEMED

    # Sent again by the button: nothing more is redeemed (there is nothing left to send).
    page.get_by_role("button", name="Retirer les pass envoyés de la liste").click()
    expect(page.locator("#offline-list tbody tr")).to_have_count(0)
    page.reload()
    expect(page.locator("#offline-received-list")).to_contain_text(pass_codes.display(scanned))
    assert Redemption.objects.filter(place=place).count() == 2  # the typed one, the offline one
    problems += page.evaluate("window.__violations")
    assert [problem for problem in problems if "ERR_INTERNET_DISCONNECTED" not in problem] == []


def test_a_pass_redeemed_elsewhere_before_the_sync_is_shown_as_a_conflict(
    page: Page, live_server, world, tmp_path: Path
):
    _provider, place, service, _order, (other, other_place) = world
    scanned = queue_offline(page, live_server, world, tmp_path)
    paid = redeem_passes(
        acting=other, place=other_place, service=service, price_cents=PRICE, codes=[scanned]
    ).redemption

    page.context.set_offline(False)
    row = page.locator("#offline-list tbody tr", has_text=pass_codes.display(scanned))
    expect(row).to_contain_text("Déjà utilisé : non payé")
    expect(row).to_contain_text("Tiers-lieu du Port")  # as any refusal of a used pass says
    expect(page.locator("#offline-conflicts")).to_contain_text(
        "Attention, pass déjà utilisés avant cet envoi : 1."
    )
    no_violations(page, "scanning page, back online, a conflict")
    scan = OfflineScan.objects.get()
    assert scan.outcome == OfflineOutcome.CONFLICT and scan.conflict_with == paid
    assert Redemption.objects.filter(place=place).count() == 1  # only the typed one
