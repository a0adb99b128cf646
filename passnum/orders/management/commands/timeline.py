import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from passnum.accounts.models import User
from passnum.accounts.selectors import acting_for
from passnum.accounts.services.system import system_acting
from passnum.core.exceptions import DomainError
from passnum.orders.enums import Milestone
from passnum.orders.timeline import run_timeline


class Command(BaseCommand):
    help = (
        "End of validity of the orders (SPEC §3.7): `run` does every step due today and not yet "
        "done (J-30 alert, J-15 distribution stop, J-7 confirmation, expiry, J+37 credit note); "
        "idempotent. The worker also runs it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["run"])
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="Run as of this date (YYYY-MM-DD) instead of today, e.g. to catch up.",
        )
        parser.add_argument(
            "--as",
            dest="email",
            help="E-mail of the operator staff member acting (default: the system user).",
        )

    def handle(self, *args, action: str, today=None, email=None, **options) -> None:
        try:
            acting = _acting(email) if email else system_acting()
            run = run_timeline(acting=acting, today=today)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        for step, count in run.done.items():
            self.stdout.write(f"{Milestone(step).label}: {count}")
        for reference, message in run.failed:
            self.stderr.write(f"{reference}: {message}")
        self.stdout.write(
            _("Fin de validité au %(date)s : %(count)s étape(s) faite(s).")
            % {"date": run.today.strftime("%d/%m/%Y"), "count": run.total}
        )
        if run.failed:
            raise CommandError(
                _(
                    "%(count)s commande(s) en échec : leurs étapes seront reprises au prochain passage."
                )
                % {"count": len(run.failed)}
            )


def _acting(email: str):
    user = User.objects.filter(email__iexact=email).first()
    membership = user.memberships.filter(organisation__kind="operator").first() if user else None
    if user is None or membership is None:
        raise CommandError(_("%(email)s n'est pas membre de l'opérateur.") % {"email": email})
    return acting_for(user=user, organisation_id=membership.organisation_id)
