"""The nomenclature in English: names, descriptions and domains come from
catalogue/data/nomenclature.json and are shown in the language of the reader."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from passnum.catalogue.loading import DATA_FILE, fill_english
from passnum.catalogue.models import Competence, Service, ServiceFamily, in_active_language

pytestmark = pytest.mark.django_db


def test_every_entry_of_the_data_file_has_its_english_texts():
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    missing = [
        (kind, item["code"], key)
        for kind, keys in (
            ("competences", ("name_en", "domain_en")),
            ("families", ("name_en",)),
            ("services", ("name_en", "description_en")),
        )
        for item in data[kind]
        for key in keys
        if not item.get(key, "").strip()
    ]
    assert missing == []
    # Translated, not copied: no English text is its French one.
    same = [s["code"] for s in data["services"] if s["description_en"] == s["description"]]
    assert same == []


def test_texts_follow_the_active_language():
    service = Service.objects.get(code="MES-01")
    competence = Competence.objects.get(code="4.1")
    with translation.override("en"):
        assert service.label == "Understand how e-mail works"
        assert service.description_label.startswith("You find out what an e-mail address")
        assert service.family.label == "Use e-mail"
        assert competence.domain_label == "Protection and security"
        assert str(competence) == "4.1 Secure the digital environment"
    with translation.override("fr"):
        assert service.label == "Comprendre le fonctionnement du courrier électronique"
        assert service.description_label.startswith("Vous découvrez à quoi sert une adresse")
        assert competence.domain_label == "Protection et sécurité"


def test_french_is_shown_when_there_is_no_english_text():
    with translation.override("en"):
        assert in_active_language("Bonjour", "") == "Bonjour"
        assert in_active_language("Bonjour", "Hello") == "Hello"
    with translation.override("en-gb"):
        assert in_active_language("Bonjour", "Hello") == "Hello"
    with translation.override("fr"):
        assert in_active_language("Bonjour", "Hello") == "Bonjour"


def test_filling_english_texts_changes_nothing_else():
    """The data migration copies the English texts only: a service the back-office made
    inactive stays inactive, its French texts stay as they were edited."""
    service = Service.objects.get(code="DEC-01")
    Service.objects.filter(pk=service.pk).update(
        is_active=False, name="Nom modifié", name_en="", description_en=""
    )
    ServiceFamily.objects.filter(code="decouverte").update(name_en="")
    fill_english(Competence, ServiceFamily, Service)
    service.refresh_from_db()
    assert (service.is_active, service.name) == (False, "Nom modifié")
    assert service.name_en == "Discover the digital world"
    assert service.description_en.startswith("You find out what digital technology can do")
    assert ServiceFamily.objects.get(code="decouverte").name_en.startswith("Discover digital")


def test_services_page_shows_english_descriptions_to_english_readers(sponsor):
    client = Client()
    client.force_login(sponsor.user)
    english = client.get(reverse("services"), headers={"Accept-Language": "en"}).text
    french = client.get(reverse("services"), headers={"Accept-Language": "fr"}).text
    service = Service.objects.get(code="SEC-04")
    assert service.description_en in english and service.description not in english
    assert service.description in french and service.description_en not in french
