"""Lines of a national-standard CSV for the import tests: a valid place in Reims by default,
any column overridden by keyword."""

import csv
import io

from stdnum import luhn

from passnum.places.standard import field_names

REIMS = {
    "id": "lieu-1",
    "pivot": "43493312300029",
    "nom": "Anonymal",
    "commune": "Reims",
    "code_postal": "51100",
    "code_insee": "51454",
    "adresse": "12 bis rue de Leclercq",
    "latitude": "49.25",
    "longitude": "4.03",
    "typologie": "TIERS_LIEUX|ASSO",
    "telephone": "+33180059880",
    "courriels": "contact@example.org",
    "site_web": "https://www.example.org/",
    "horaires": "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
    "presentation_resume": "Des ateliers pour apprendre le numérique.",
    "itinerance": "Fixe",
    "structure_parente": "SIRET de la ville pour une bibliothèque.",
    "date_maj": "2024-04-02",
    "services": "Maîtrise des outils numériques du quotidien",
    "publics_specifiquement_adresses": "Jeunes|Femmes",
    "modalites_acces": "Se présenter|Téléphoner",
    "modalites_accompagnement": "Accompagnement individuel",
}


def siren(number: int) -> str:
    """A valid SIREN (Luhn key) from a number below 10⁸."""
    body = f"{number:08d}"
    return body + luhn.calc_check_digit(body)


def siret(number: int, establishment: int = 1) -> str:
    """A valid SIRET of the SIREN `siren(number)`."""
    body = siren(number) + f"{establishment:04d}"
    return body + luhn.calc_check_digit(body)


def line(**values: str) -> dict[str, str]:
    return {**REIMS, **values}


def csv_text(lines: list[dict[str, str]], *, columns: list[str] | None = None) -> str:
    stream = io.StringIO()
    writer = csv.DictWriter(
        stream, fieldnames=columns or field_names(), lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(lines)
    return stream.getvalue()
