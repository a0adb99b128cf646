from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.passes.distribution import purge_handout_references


class Command(BaseCommand):
    help = (
        "Distribution: `purge-references` erases the pseudonymous references of hand-outs "
        "older than PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS (the worker also runs it daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["purge-references"])

    def handle(self, *args, action: str, **options) -> None:
        count = purge_handout_references(now=timezone.now())
        self.stdout.write(_("%(count)s référence(s) de remise effacée(s)") % {"count": count})
