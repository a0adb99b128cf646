from django.core.management.base import BaseCommand, CommandError, CommandParser

from passnum.core.money import format_euros
from passnum.ledger.selectors import held_for_organisations
from passnum.reconciliation.checks import check_ledger


class Command(BaseCommand):
    help = "Ledger tools: `check` proves the ledger balances; `held` lists what is held for whom."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "held"])

    def handle(self, *args, action: str, **options) -> None:
        if action == "check":
            problems = check_ledger()
            if problems:
                for problem in problems:
                    self.stderr.write(str(problem))
                raise CommandError(f"ledger check failed: {len(problems)} discrepancies")
            self.stdout.write(
                self.style.SUCCESS(
                    "ledger check: OK (every transaction balances, escrows match unredeemed passes, "
                    "no balance on the wrong side)"
                )
            )
            return
        for held in held_for_organisations():
            self.stdout.write(
                f"{held.organisation.name}\t{held.purpose}\t{format_euros(held.amount_cents)}"
            )
