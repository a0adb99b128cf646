from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from passnum.demo import DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = "Create (or complete) the demo world. Idempotent: running it twice changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow with DEBUG=false")
        parser.add_argument("--url", default=settings.SITE_URL)

    def handle(self, *args, force: bool, url: str, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("The demo world has known passwords: use --force to build it.")
        world = build_demo()
        out = self.stdout.write
        out(self.style.SUCCESS(f"Demo world ready at {url}/"))
        out(f"  Log in at {url}/connexion/ with one of (password: {DEMO_PASSWORD}):")
        for email, role in world.logins:
            out(f"    {email:<34} {role}")
        out(f"  Back-office: {url}/backoffice/   API docs: {url}/api/v1/docs")
        out(f"  API token of the place (Authorization: Bearer …): {world.provider_token}")
        out(f"  Passes to try at the place (10 € each): {', '.join(world.sample_codes)}")
