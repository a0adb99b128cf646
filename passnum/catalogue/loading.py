"""Loads the project-owned nomenclature (data/nomenclature.json) into the database.

Used by the data migrations (with historical models) and safe to run again: it updates by code.
A field the (historical) model does not have yet is left out, so the first migrations still run
with today's data file.
"""

import json
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "nomenclature.json"


def read_nomenclature() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _known(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The values of `values` that `model` has a field for."""
    names = {field.name for field in model._meta.get_fields()}
    return {name: value for name, value in values.items() if name in names}


def load_nomenclature(competence_model: Any, family_model: Any, service_model: Any) -> None:
    data = read_nomenclature()
    competences = {}
    for item in data["competences"]:
        competences[item["code"]], _ = competence_model.objects.update_or_create(
            code=item["code"],
            defaults=_known(
                competence_model,
                {
                    "name": item["name"],
                    "name_en": item.get("name_en", ""),
                    "domain": item["domain"],
                    "domain_en": item.get("domain_en", ""),
                },
            ),
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
            defaults=_known(
                service_model,
                {
                    "name": item["name"],
                    "name_en": item.get("name_en", ""),
                    "description": item.get("description", ""),
                    "description_en": item.get("description_en", ""),
                    "level": item["level"],
                    "family": families[item["family"]],
                    "is_active": True,
                },
            ),
        )
        service.competences.set([competences[code] for code in item["competences"]])


def fill_english(competence_model: Any, family_model: Any, service_model: Any) -> None:
    """Copy the English texts of the data file onto the existing rows, by code, and nothing
    else: what the back-office changed (a service made inactive…) stays as it is."""
    data = read_nomenclature()
    for item in data["competences"]:
        competence_model.objects.filter(code=item["code"]).update(
            **_known(competence_model, {"name_en": item["name_en"], "domain_en": item["domain_en"]})
        )
    for item in data["families"]:
        family_model.objects.filter(code=item["code"]).update(
            **_known(family_model, {"name_en": item["name_en"]})
        )
    for item in data["services"]:
        service_model.objects.filter(code=item["code"]).update(
            **_known(
                service_model,
                {"name_en": item["name_en"], "description_en": item["description_en"]},
            )
        )
