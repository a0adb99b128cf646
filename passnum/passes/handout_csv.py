"""Hand-outs from a CSV file: one line per booklet, `carnet,date,catégorie,référence`.

Every line is checked; each bad line is reported with its number and reason and nothing is
written for it, the good ones are recorded. A file that cannot be read at all (not UTF-8, an
unknown separator, a missing column, too big) gives one clear error, never a traceback.

Accepted: a comma or a semicolon between columns (what spreadsheets write in French), an
optional header line, dates as 31/01/2027 or 2027-01-31, the public as its code
(`job_seeker`) or its label (« Demandeur d'emploi », case and accents ignored), the reference
optional.
"""

import csv
import datetime
import io
import re

from django.utils.translation import gettext as _

from passnum.accounts.selectors import Acting
from passnum.core.text import ascii_int
from passnum.geography.search import normalise
from passnum.passes.distribution import (
    HandOutLine,
    HandOutReport,
    LineError,
    handout_publics,
    record_handout_lines,
)
from passnum.passes.exceptions import UnreadableFile

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 20_000
HEADER_WORDS = {"carnet", "booklet", "numero", "n"}
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def import_handouts_csv(*, acting: Acting, data: bytes) -> HandOutReport:
    """Record the hand-outs of a CSV file for the acting distributor (see the module)."""
    lines, errors = parse_handouts_csv(data)
    report = record_handout_lines(acting=acting, lines=lines)
    report.errors = sorted(
        [*errors, *report.errors], key=lambda error: (error.line or 0, error.booklet_number or 0)
    )
    return report


def parse_handouts_csv(data: bytes) -> tuple[list[HandOutLine], list[LineError]]:
    """The file's lines as HandOutLine, and one LineError per line that cannot be read.
    UnreadableFile if the file as a whole cannot be read."""
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise UnreadableFile(_("Le fichier est vide."))
    delimiter = _delimiter(first)
    publics = _publics()
    lines: list[HandOutLine] = []
    errors: list[LineError] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for index, row in enumerate(reader):
            number = reader.line_num
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if index == 0 and _is_header(cells):
                continue
            if len(lines) + len(errors) >= MAX_LINES:
                raise UnreadableFile(
                    _("Le fichier a plus de %(max)s lignes : découpez-le en plusieurs fichiers.")
                    % {"max": MAX_LINES}
                )
            parsed = _parse_row(cells, number, publics)
            if isinstance(parsed, LineError):
                errors.append(parsed)
            else:
                lines.append(parsed)
    except csv.Error as exc:
        raise UnreadableFile(
            _("Ligne %(line)s : le fichier n'est pas un CSV lisible (%(error)s).")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    return lines, errors


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise UnreadableFile(_("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers."))
    if b"\x00" in data:
        raise UnreadableFile(
            _(
                "Ce n'est pas un fichier CSV texte (il contient des caractères nuls) : dans votre "
                "tableur, enregistrez-le au format « CSV UTF-8 »."
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            _(
                "Le fichier n'est pas encodé en UTF-8. Dans votre tableur, enregistrez-le au "
                "format « CSV UTF-8 », puis envoyez-le à nouveau."
            )
        ) from exc


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    if ";" in first_line:
        return ";"
    if "\t" in first_line or "|" in first_line:
        raise UnreadableFile(
            _(
                "Séparateur non reconnu : séparez les colonnes par une virgule (ou un "
                "point-virgule), pas par une tabulation ni une barre verticale."
            )
        )
    raise UnreadableFile(
        _(
            "Il manque des colonnes : chaque ligne doit donner le numéro de carnet, la date, la "
            "catégorie de public et, si vous le voulez, une référence, séparés par des virgules."
        )
    )


def _is_header(cells: list[str]) -> bool:
    first = normalise(cells[0])
    return (
        bool(first)
        and not first.replace(" ", "").isdigit()
        and (first.split()[0] in HEADER_WORDS or "carnet" in first)
    )


def _publics() -> dict[str, str]:
    """Normalised code or label → code."""
    known: dict[str, str] = {}
    for value, label in handout_publics():
        known[normalise(value)] = value
        known[normalise(str(label))] = value
    return known


def _parse_row(cells: list[str], line: int, publics: dict[str, str]) -> HandOutLine | LineError:
    def error(code: str, message: str, booklet: int | None = None) -> LineError:
        return LineError(line=line, booklet_number=booklet, code=code, message=message)

    if len(cells) < 3:
        return error(
            "missing_column",
            _(
                "Il manque une colonne : %(count)s au lieu de 3 ou 4 (carnet, date, catégorie, "
                "référence facultative)."
            )
            % {"count": len(cells)},
        )
    if len(cells) > 4:
        return error(
            "too_many_columns",
            _(
                "%(count)s colonnes au lieu de 4 au plus : si la référence contient une virgule, "
                "mettez-la entre guillemets."
            )
            % {"count": len(cells)},
        )
    number = ascii_int(cells[0].replace(" ", ""), max_digits=18)
    if number is None or number < 1:
        return error(
            "invalid_booklet",
            _("Numéro de carnet illisible : « %(value)s ».") % {"value": cells[0][:30]},
        )
    booklet = number
    day = _date(cells[1])
    if day is None:
        return error(
            "invalid_date",
            _("Date illisible : « %(value)s » (attendu : 31/01/2027).") % {"value": cells[1][:30]},
            booklet,
        )
    public = publics.get(normalise(cells[2]))
    if public is None:
        return error(
            "invalid_public",
            _("Catégorie de public inconnue : « %(value)s ». Catégories possibles : %(choices)s.")
            % {
                "value": cells[2][:40],
                "choices": ", ".join(str(label) for _value, label in handout_publics()),
            },
            booklet,
        )
    reference = cells[3] if len(cells) == 4 else ""
    return HandOutLine(
        booklet_number=booklet, handed_out_on=day, public=public, reference=reference, line=line
    )


def _date(value: str) -> datetime.date | None:
    text = value.strip()
    match = _DATE_FR.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _DATE_ISO.match(text)
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None
