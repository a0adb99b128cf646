from django.core.management.base import BaseCommand, CommandError, CommandParser

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import User
from passnum.accounts.selectors import acting_for, memberships_of
from passnum.places.standard import import_places


class Command(BaseCommand):
    help = "Import places from a CSV in the national standard for digital-mediation places."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--source", required=True, help="Name of the source (e.g. mednum)")
        parser.add_argument("--actor", required=True, help="E-mail of the operator staff member")

    def handle(self, *args, path: str, source: str, actor: str, **options) -> None:
        user = User.objects.filter(email=actor).first()
        if user is None:
            raise CommandError(f"no user {actor}")
        operator = next(
            (
                m
                for m in memberships_of(user=user)
                if m.organisation.kind == OrganisationKind.OPERATOR
            ),
            None,
        )
        if operator is None:
            raise CommandError(f"{actor} is not a member of the operator organisation")
        acting = acting_for(user=user, organisation_id=operator.organisation_id)
        with open(path, encoding="utf-8-sig") as stream:
            report = import_places(acting=acting, stream=stream, source=source)
        for line in report.rejected:
            self.stderr.write(f"line {line.line} ({line.identifier}): {'; '.join(line.reasons)}")
        self.stdout.write(
            f"created {report.count('created')}, updated {report.count('updated')}, "
            f"rejected {report.count('rejected')}"
        )
