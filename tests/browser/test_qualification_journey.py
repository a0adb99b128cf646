"""The whole qualification journey in a real browser: a new provider signs up and fills every
step, staff request a change, the provider corrects and resubmits, staff approve, and the place
is found by the public search.

Set PASSNUM_SCREENSHOTS=<folder> to keep screenshots of the key pages."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.places.eligibility import CURRENT_GRID
from tests.factories import PASSWORD, a_service, make_acting

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

EMAIL = "aicha.benali@example.org"
APPLICANT_PASSWORD = "un-long-mot-de-passe-2026"
ORGANISATION = "Association Clic Libournais"
PLACE = "Espace numérique du Port"
POSTCODE = "33500"  # several communes: the form asks which one
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def starting(label: str) -> re.Pattern[str]:
    """A field's accessible name is its label followed by its hint."""
    return re.compile("^" + re.escape(label))


def tick(page: Page, label: str) -> None:
    """A person clicks the label (the design system draws the box on it)."""
    page.locator("label.fr-label", has_text=re.compile(f"^{re.escape(label)}$")).click()
    expect(page.get_by_label(label, exact=True)).to_be_checked()


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("PASSNUM_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def save_and_continue(page: Page, button: str = "Enregistrer et continuer") -> None:
    page.get_by_role("button", name=button).click()
    expect(page.locator(".fr-alert--success").first).to_be_visible()


def log_in(page: Page, email: str, password: str, next_url: str) -> None:
    page.goto(f"/connexion/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


def sign_up(page: Page) -> None:
    page.goto("/devenir-qualifie/")
    page.get_by_role("link", name="Créer mon compte").click()
    for label, value in [
        ("Prénom", "Aïcha"),
        ("Nom", "Benali"),
        (starting("Adresse e-mail"), EMAIL),
        (re.compile(r"^Mot de passe\s*Au moins"), APPLICANT_PASSWORD),
        ("Mot de passe, une deuxième fois", APPLICANT_PASSWORD),
        ("Nom de votre structure", ORGANISATION),
        (starting("SIREN de votre structure"), "732 829 320"),
    ]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Mon dossier de qualification")).to_be_visible()


def fill_identity_and_representative(page: Page) -> None:
    page.get_by_role("link", name="Remplir — Votre structure").click()
    page.get_by_label(starting("SIRET du siège")).fill("732 829 320 00074")
    page.get_by_label(starting("Forme juridique")).fill("Association loi 1901")
    save_and_continue(page)
    expect(page.locator(".fr-stepper__state")).to_have_text("Étape 2 sur 7")
    page.get_by_label("Prénom", exact=True).fill("Aïcha")
    page.get_by_label("Nom", exact=True).fill("Benali")
    page.get_by_label("Adresse e-mail", exact=True).fill("presidence@example.org")
    page.get_by_label(starting("Fonction")).fill("Présidente")
    save_and_continue(page)


def add_place_and_offer(page: Page) -> None:
    page.get_by_role("link", name="Ajouter un lieu").click()
    page.get_by_label("Nom du lieu").fill(PLACE)
    page.get_by_label("Type de lieu").select_option("epn")
    page.get_by_label(starting("Adresse")).fill("2 quai du Priourat")
    page.get_by_label(starting("Code postal")).fill(POSTCODE)
    page.get_by_label(starting("Latitude")).fill("44.915300")
    page.get_by_label(starting("Longitude")).fill("-0.243400")
    page.get_by_label(starting("Horaires d'ouverture")).fill(
        "Mo-Fr 09:00-12:00,14:00-18:00; Sa off"
    )
    for label in ("Se présenter", "Accompagnement individuel", "Handicaps moteurs"):
        tick(page, label)
    page.get_by_role("textbox", name=starting("Téléphone")).fill("05 57 12 34 56")
    page.get_by_role("button", name="Enregistrer le lieu").click()
    # Several communes share the postcode: the page asks which one, the rest is kept.
    expect(page.locator("#id_commune_code_error")).to_contain_text("choisissez la vôtre")
    page.get_by_label("Commune", exact=True).select_option("33243")  # Libourne
    screenshot(page, "place-form")
    page.get_by_role("button", name="Enregistrer le lieu").click()
    expect(page.locator("#place-list")).to_contain_text("Libourne")
    page.get_by_role("link", name="Continuer : votre offre de services").click()
    page.get_by_role("link", name=f"Gérer l'offre — {PLACE}").click()
    page.get_by_label("Service de la nomenclature").select_option(a_service().code)
    page.get_by_label(starting("Prix du service (en euros)")).fill("10")
    page.get_by_role("button", name="Ajouter à l'offre").click()
    expect(page.locator("#offer-list")).to_contain_text("10,00")
    page.get_by_role("link", name="Retour à l'offre de tous vos lieux").click()
    page.get_by_role("link", name="Continuer : le questionnaire").click()


def answer_sign_and_pay(page: Page) -> None:
    for question in CURRENT_GRID.questions:
        best = max(question.options, key=lambda option: option.points)
        tick(page, f"{best.text} ({best.points} points)")
    save_and_continue(page)
    page.get_by_text("J'ai lu les conditions").click()
    expect(page.get_by_label(starting("J'ai lu les conditions"))).to_be_checked()
    save_and_continue(page, "Accepter et continuer")
    page.get_by_label("Titulaire du compte").fill(ORGANISATION)
    page.get_by_label(starting("IBAN")).fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name="Enregistrer les coordonnées bancaires").click()
    for kind, name in [("registration", "avis-insee.pdf"), ("bank", "rib.pdf")]:
        page.get_by_label("Type de justificatif").select_option(kind)
        page.get_by_label(starting("Fichier")).set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": PDF}
        )
        page.get_by_role("button", name="Envoyer le justificatif").click()
        expect(page.locator("#document-list")).to_contain_text(name)


def submit(page: Page) -> None:
    page.goto("/devenir-qualifie/dossier/")
    expect(page.locator("#steps .fr-badge--warning")).to_have_count(0)
    expect(page.locator("#score")).to_contain_text(f"{CURRENT_GRID.max_score} points")
    screenshot(page, "dashboard")
    page.get_by_role("button", name="Soumettre mon dossier").click()
    expect(page.locator("#file-status")).to_have_text("Soumis, en cours d'examen")


def decide(page: Page, decision: str, reason: str = "") -> None:
    page.goto("/examen/")
    page.get_by_role("link", name=f"Examiner — {ORGANISATION}").click()
    if reason:
        page.get_by_label(starting("Motif de la décision")).fill(reason)
    screenshot(page, f"review-{decision}")
    page.get_by_role("button", name=decision).click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Décision enregistrée")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_new_place_is_qualified_after_one_round_of_changes(page: Page, live_server):
    # Only the live server is reached: the map's tiles, for one, are never fetched.
    page.context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + ")"), lambda route: route.abort()
    )
    sign_up(page)
    fill_identity_and_representative(page)
    add_place_and_offer(page)
    answer_sign_and_pay(page)
    submit(page)
    log_out(page)

    operator = make_acting(OrganisationKind.OPERATOR)
    reason = "Le RIB ne porte pas le nom de l'association : joignez le bon."
    log_in(page, operator.user.email, PASSWORD, "/examen/")
    decide(page, "Demander des modifications", reason)
    log_out(page)

    log_in(page, EMAIL, APPLICANT_PASSWORD, "/devenir-qualifie/dossier/")
    expect(page.locator("#file-status")).to_have_text("Modifications demandées")
    expect(page.locator(".transition-reason").last).to_contain_text(reason)
    page.get_by_role("link", name=re.compile("Coordonnées bancaires et justificatifs")).click()
    page.get_by_label("Type de justificatif").select_option("bank")
    page.get_by_label(starting("Fichier")).set_input_files(
        {"name": "rib-association.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer le justificatif").click()
    expect(page.locator("#document-list")).to_contain_text("rib-association.pdf")
    submit(page)
    log_out(page)

    log_in(page, operator.user.email, PASSWORD, "/examen/")
    decide(page, "Qualifier le dossier")
    expect(page.locator("#file-status")).to_have_text("Qualifié")

    page.goto(f"/lieux/?q={POSTCODE}")
    expect(page.locator("#places-list")).to_contain_text(PLACE)
    expect(page.locator("#places-map .leaflet-marker-icon")).to_have_count(1)
    screenshot(page, "public-search")
