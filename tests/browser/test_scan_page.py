"""The scanning page in a real browser (issue #9): a pass of a real printed booklet is read by
the page's camera path — a photo of the pass given to "Scanner une photo" (PDFium rasterises
the booklet's PDF; the page decodes the picture with the browser's BarcodeDetector or, as in
Debian's Chromium, the ZXing library the project serves), and the same picture shown to a fake
camera in a dedicated browser launch; other passes are typed as a handheld scanner types
them (the code, then Enter). Each pass appears with what it allows here before confirming;
the payment is confirmed, its result read, and undone. No policy violation, no script error."""

import io
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.db import connections
from PIL import Image
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.printing import render_booklets
from passnum.redemptions.models import Redemption
from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.factories import PASSWORD, PlaceFactory, make_acting, make_order, offer, passes_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# A photo of the pass: its signed QR code (about version 8, ~57 modules over 25 mm) needs ~3
# pixels a module for the page's JavaScript decoder; 200 dpi gives ~3.5 (150 dpi, ~2.6, was flaky).
PHOTO_DPI = 200
PRICE = 1500  # 15 €: one 10 € pass leaves 5 € to pay


def printed_pass(order, site_url: str) -> tuple[Image.Image, str]:
    """The first pass of the order's printed booklets as a picture (the top strip of the first
    page of passes, at PHOTO_DPI, as a phone's photo of it would be), and the code its Code 128
    holds, read back by zxing-cpp."""
    output = io.BytesIO()
    render_booklets(order=order, output=output, site_url=site_url)
    document = pypdfium2.PdfDocument(output.getvalue())
    try:
        sheet = document[1].render(scale=PHOTO_DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()
    strip = sheet.crop((0, 0, sheet.width, sheet.height // 5))
    read = {result.format: result.text for result in zxingcpp.read_barcodes(strip)}
    # The pass's address (what follows it, if anything, is for offline checks)
    found = re.fullmatch(
        rf"{re.escape(site_url)}/p/(\w+)(#\S+)?", read[zxingcpp.BarcodeFormat.QRCode]
    )
    assert found is not None
    code = found.group(1)
    # The bars hold the same code (at 150 dpi a 15-character Code 128 is sometimes missed by
    # the reader on the whole strip: read it again at a higher resolution if so).
    if zxingcpp.BarcodeFormat.Code128 not in read:
        document = pypdfium2.PdfDocument(output.getvalue())
        try:
            sharp = document[1].render(scale=300 / 72).to_pil().convert("L")
        finally:
            document.close()
        read = {
            r.format: r.text
            for r in zxingcpp.read_barcodes(sharp.crop((0, 0, sharp.width, sharp.height // 5)))
        }
    assert read[zxingcpp.BarcodeFormat.Code128] == code
    return strip, code


def watch(page: Page) -> list[str]:
    """Policy violations and script errors of the page, gathered as they happen."""
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.type}: {message.text}")
            if message.type in {"error", "warning"}
            # a failed request is told by its response, below (the browser asks for a favicon)
            and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status}: {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    return problems


def log_in(page: Page, email: str, next_url: str) -> None:
    page.goto(f"/connexion/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Scanner des pass", level=1)).to_be_visible()


def row_of(page: Page, code: str):
    return page.locator("#scan-list tbody tr", has_text=pass_codes.display(code))


@pytest.fixture
def world(live_server):
    """A provider's qualified place offering a service at 15 €, and a paid order of 10 passes
    of 10 € whose booklet is printed for this site."""
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation, name="EPN de la Bastide")
    service = offer(place, price_cents=PRICE).service
    order = make_order(
        sponsor=make_acting(OrganisationKind.SPONSOR),
        operator=make_acting(OrganisationKind.OPERATOR),
        quantity=10,
    )
    return provider, place, service, order


def test_scan_a_printed_pass_from_a_photo_type_another_confirm_and_undo(
    page: Page, live_server, world, tmp_path: Path
):
    provider, place, service, order = world
    problems = watch(page)
    picture, scanned = printed_pass(order, live_server.url)
    photo = tmp_path / "pass.jpg"
    picture.save(photo, quality=90)
    codes = [item.code for item in passes_of(order)]
    assert scanned in codes
    typed = next(code for code in codes if code != scanned)

    log_in(page, provider.user.email, "/scanner/")
    assert page.url.endswith(f"/scanner/{place.pk}/")  # the only place: straight to its page
    page.get_by_label("Service rendu").select_option(service.code)

    # The camera path: a photo of the pass, decoded in the page.
    page.get_by_label("Scanner une photo").set_input_files(photo)
    scanned_row = row_of(page, scanned)
    expect(scanned_row).to_contain_text("Utilisable ici")
    expect(scanned_row).to_contain_text("10,00\xa0€")
    expect(page.locator("#scan-summary")).to_contain_text(
        "La personne paie directement : 5,00\xa0€"
    )
    # The same photo again adds nothing.
    page.get_by_label("Scanner une photo").set_input_files(photo)
    expect(page.locator("#scan-status")).to_contain_text("déjà dans la liste")
    expect(page.locator("#scan-list tbody tr")).to_have_count(1)

    # A handheld scanner types the code then Enter; a mistyped code is refused at once.
    code_field = page.get_by_label("Code du pass")
    mistyped = typed[:-1] + ("2" if typed[-1] != "2" else "3")
    code_field.fill(pass_codes.display(mistyped))
    code_field.press("Enter")
    expect(row_of(page, mistyped)).to_contain_text("Inconnu")
    expect(row_of(page, mistyped)).to_contain_text("le dernier caractère ne correspond pas")
    row_of(page, mistyped).get_by_role("button", name="Retirer").click()
    code_field.fill(typed.lower())
    code_field.press("Enter")
    expect(row_of(page, typed)).to_contain_text("Utilisable ici")
    expect(page.locator("#scan-summary")).to_contain_text(
        "La personne paie directement : 0,00\xa0€"
    )
    assert Pass.objects.get(code=scanned).status == PassStatus.ACTIVE  # nothing spent yet

    page.get_by_role("button", name="Confirmer le paiement").click()
    expect(page.get_by_role("heading", name="2 pass utilisés")).to_be_visible()
    expect(page.locator("#complement")).to_have_text("La personne n'a rien à payer en plus.")
    expect(page.locator("#result-passes")).to_contain_text(pass_codes.display(scanned))
    redemption = Redemption.objects.get()
    assert set(Pass.objects.filter(code__in=[scanned, typed]).values_list("status", flat=True)) == {
        PassStatus.REDEEMED
    }

    page.get_by_role("button", name="Annuler ce paiement").click()
    expect(page.get_by_role("heading", name="Paiement annulé")).to_be_visible()
    redemption.refresh_from_db()
    assert redemption.undone_at is not None
    assert set(Pass.objects.filter(code__in=[scanned, typed]).values_list("status", flat=True)) == {
        PassStatus.ACTIVE
    }

    page.get_by_role("link", name="Scanner d'autres pass").click()
    expect(page.locator("#recent-list tbody tr")).to_have_count(1)
    expect(page.locator("#recent-list")).to_contain_text("Annulé")
    problems += page.evaluate("window.__violations")
    assert problems == []


def y4m(picture: Image.Image, path: Path, *, frames: int = 10) -> None:
    """A still picture as a short YUV4MPEG2 video (4:2:0), Chromium's fake camera's format."""
    width, height = (picture.width // 2) * 2, (picture.height // 2) * 2
    y, u, v = picture.crop((0, 0, width, height)).convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)


def test_scan_a_printed_pass_with_the_camera(live_server, world, tmp_path: Path):
    """Chromium's fake camera films the printed pass: the page's camera loop reads it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (bin/test installs it)")
    from playwright.sync_api import sync_playwright

    provider, place, service, order = world
    picture, scanned = printed_pass(order, live_server.url)
    # A phone held over the pass: the QR code and the bars fill the frame.
    video = tmp_path / "camera.y4m"
    y4m(picture.resize((picture.width * 3 // 4, picture.height * 3 // 4)), video)
    args = [
        *ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            context = browser.new_context(locale="fr-FR", base_url=live_server.url)
            context.grant_permissions(["camera"], origin=live_server.url)
            page = context.new_page()
            page.set_default_timeout(15_000)
            problems = watch(page)
            log_in(page, provider.user.email, f"/scanner/{place.pk}/")
            page.get_by_label("Service rendu").select_option(service.code)

            page.get_by_role("button", name="Scanner avec la caméra").click()
            expect(page.locator("#camera-video")).to_be_visible()
            expect(row_of(page, scanned)).to_contain_text("Utilisable ici")
            # The pass stays in front of the camera: it is listed once.
            page.wait_for_timeout(1000)
            expect(page.locator("#scan-list tbody tr")).to_have_count(1)
            page.get_by_role("button", name="Éteindre la caméra").click()
            expect(page.locator("#camera-video")).to_be_hidden()

            page.get_by_role("button", name="Confirmer le paiement").click()
            expect(page.get_by_role("heading", name="1 pass utilisé")).to_be_visible()
            expect(page.locator("#complement")).to_contain_text(
                re.compile(r"La personne vous paie directement 5,00\s€")
            )
            problems += page.evaluate("window.__violations")
            assert problems == []
        finally:
            browser.close()
            connections.close_all()  # as the browser fixture does (tests/browser/conftest.py)
    assert Pass.objects.get(code=scanned).status == PassStatus.REDEEMED
