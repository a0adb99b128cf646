import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from passnum.accounts.services.system import system_acting
from passnum.core.exceptions import DomainError
from passnum.core.money import format_euros
from passnum.payouts.enums import PayoutKind
from passnum.payouts.files import write_run_files
from passnum.payouts.models import CarriedProvider, PayoutTransfer
from passnum.payouts.periods import Period, parse_period
from passnum.payouts.selectors import operator_acting, run_for_period
from passnum.payouts.services import run_payouts


class Command(BaseCommand):
    help = (
        "Payouts to providers: `run --period 2026-11` pays the period (idempotent); `files "
        "--period 2026-11 --output-dir DIR` writes its SEPA file and the statements. A period is "
        "a month (YYYY-MM) or an ISO week (YYYY-Www); `--from`/`--to` give any span (on demand)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["run", "files"])
        parser.add_argument("--period", help="YYYY-MM or YYYY-Www")
        parser.add_argument("--from", dest="start", type=datetime.date.fromisoformat)
        parser.add_argument("--to", dest="end", type=datetime.date.fromisoformat)
        parser.add_argument("--as", dest="email", help="e-mail of the operator staff member")
        parser.add_argument("--output-dir", help="folder for `files`")
        parser.add_argument("--schema", choices=["pain.001.001.09", "pain.001.001.03"])
        parser.add_argument(
            "--execution-date",
            type=datetime.date.fromisoformat,
            help="requested execution date of the transfers (default: today)",
        )
        parser.add_argument("--no-pdf", action="store_true", help="CSV statements only")

    def handle(self, *args, action: str, **options) -> None:
        try:
            period = self._period(options)
            # The system user unless --as names operator staff (like `passnum timeline run`).
            acting = (
                operator_acting(email=options["email"]) if options["email"] else system_acting()
            )
            if action == "run":
                self._run(acting, period)
            else:
                if not options["output_dir"]:
                    raise CommandError(_("--output-dir est obligatoire pour `files`."))
                run = run_for_period(
                    acting=acting, period_start=period.start, period_end=period.end
                )
                written = write_run_files(
                    run=run,
                    output_dir=Path(options["output_dir"]),
                    schema=options["schema"],
                    execution_date=options["execution_date"],
                    pdf=not options["no_pdf"],
                )
                self.stdout.write(
                    _("%(run)s : fichier SEPA %(sepa)s, %(count)s relevé(s) dans %(dir)s")
                    % {
                        "run": run.reference,
                        "sepa": written.sepa.name if written.sepa else _("aucun"),
                        "count": written.statements,
                        "dir": options["output_dir"],
                    }
                )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(str(exc.strerror or exc)) from exc

    def _period(self, options) -> Period:
        if options["period"]:
            return parse_period(options["period"])
        if options["start"] and options["end"]:
            return Period(options["start"], options["end"], PayoutKind.ON_DEMAND)
        raise CommandError(_("Indiquez --period, ou --from et --to."))

    def _run(self, acting, period: Period) -> None:
        outcome = run_payouts(
            acting=acting, period_start=period.start, period_end=period.end, kind=period.kind
        )
        run = outcome.run
        transfers = PayoutTransfer.objects.filter(run=run)
        total = sum(transfers.values_list("net_cents", flat=True))
        carried = CarriedProvider.objects.filter(run=run).count()
        if not outcome.created:
            self.stdout.write(_("Déjà payé : rien n'a été payé une seconde fois."))
        self.stdout.write(
            _(
                "%(run)s du %(start)s au %(end)s : %(count)s virement(s), %(total)s ; %(carried)s acteur(s) reporté(s)"
            )
            % {
                "run": run.reference,
                "start": run.period_start.strftime("%d/%m/%Y"),
                "end": run.period_end.strftime("%d/%m/%Y"),
                "count": transfers.count(),
                "total": format_euros(total),
                "carried": carried,
            }
        )
