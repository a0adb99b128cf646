"""Loads the project-owned nomenclature (data/nomenclature.json) into the database.

Used by the data migration (with historical models) and safe to run again: it updates by code.
"""

import json
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "nomenclature.json"


def read_nomenclature() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def load_nomenclature(competence_model: Any, family_model: Any, service_model: Any) -> None:
    data = read_nomenclature()
    competences = {}
    for item in data["competences"]:
        competences[item["code"]], _ = competence_model.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "domain": item["domain"],
            },
        )
    families = {}
    for item in data["families"]:
        families[item["code"]], _ = family_model.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "standard_service": item["standard_service"],
            },
        )
    for item in data["services"]:
        service, _ = service_model.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "description": item.get("description", ""),
                "level": item["level"],
                "family": families[item["family"]],
                "is_active": True,
            },
        )
        service.competences.set([competences[code] for code in item["competences"]])
