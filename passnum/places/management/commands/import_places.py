"""`passnum import_places FILE --source S --actor EMAIL [--rejects REJECTS.csv]`

Imports places from a CSV in the national standard for digital-mediation places. A file that
cannot be read gives one line of explanation and exit status 1, nothing imported; rejected lines
are listed (the first ones) and, with --rejects, written to a CSV (line, id, reasons).
"""

import csv
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import User
from passnum.accounts.selectors import acting_for, memberships_of
from passnum.core.exceptions import DomainError
from passnum.places.standard import ImportReport, import_places

SHOWN_REJECTS = 20


class Command(BaseCommand):
    help = "Importe des lieux depuis un CSV au standard national des lieux de médiation numérique."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Fichier CSV (UTF-8, séparateur virgule)")
        parser.add_argument("--source", required=True, help="Nom de la source (ex. : mednum)")
        parser.add_argument("--actor", required=True, help="E-mail d'un membre de l'opérateur")
        parser.add_argument(
            "--rejects", help="Écrire les lignes rejetées dans ce CSV (line, id, reasons)"
        )

    def handle(
        self, *args: Any, path: str, source: str, actor: str, rejects: str | None, **options: Any
    ) -> None:
        acting = self._acting(actor)
        progress = Progress(self.stderr) if self.stderr.isatty() else None
        try:
            with open(path, encoding="utf-8-sig") as stream:
                report = import_places(
                    acting=acting, stream=stream, source=source, progress=progress
                )
        except OSError as exc:
            raise CommandError(
                _("Impossible de lire %(path)s : %(reason)s.")
                % {"path": path, "reason": exc.strerror or exc}
            ) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if progress:
                progress.close()
        if rejects:
            self._write_rejects(report, rejects)
        self._summary(report, rejects)

    def _acting(self, email: str) -> Any:
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(_("Aucun utilisateur n'a l'adresse %(email)s.") % {"email": email})
        operator = next(
            (
                m
                for m in memberships_of(user=user)
                if m.organisation.kind == OrganisationKind.OPERATOR
            ),
            None,
        )
        if operator is None:
            raise CommandError(_("%(email)s n'est pas membre de l'opérateur.") % {"email": email})
        return acting_for(user=user, organisation_id=operator.organisation_id)

    def _write_rejects(self, report: ImportReport, path: str) -> None:
        try:
            with open(path, "w", encoding="utf-8", newline="") as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(["line", "id", "reasons"])
                for line in report.rejected:
                    writer.writerow([line.line, line.identifier, " ; ".join(line.reasons)])
        except OSError as exc:
            raise CommandError(
                _("Impossible d'écrire %(path)s : %(reason)s.")
                % {"path": path, "reason": exc.strerror or exc}
            ) from None

    def _summary(self, report: ImportReport, rejects: str | None) -> None:
        rejected = report.rejected
        for line in rejected[:SHOWN_REJECTS]:
            self.stderr.write(
                _("ligne %(line)s (%(id)s) : %(reasons)s")
                % {"line": line.line, "id": line.identifier, "reasons": " ; ".join(line.reasons)}
            )
        if len(rejected) > SHOWN_REJECTS:
            more = len(rejected) - SHOWN_REJECTS
            self.stderr.write(
                _("… et %(count)s autres lignes rejetées (voir %(file)s).")
                % {"count": more, "file": rejects or "--rejects FICHIER"}
            )
        self.stdout.write(
            _(
                "Lignes lues : %(total)s ; créées : %(created)s ; mises à jour : %(updated)s ; "
                "rejetées : %(rejected)s."
            )
            % {
                "total": len(report.lines),
                "created": report.count("created"),
                "updated": report.count("updated"),
                "rejected": len(rejected),
            }
        )


class Progress:
    """A one-line counter on a terminal (stderr), redrawn at most 10 times a second."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.drawn = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.drawn < 0.1:
            return
        self.drawn = now
        share = done / total if total else 1
        bar = "█" * int(share * 30)
        self.stream.write(
            f"\r{bar:<30} {done}/{total} ({share:.0%}, {now - self.started:.1f} s)", ending=""
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("", ending="\n")
            self.shown = False
