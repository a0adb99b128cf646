from django.core.management.base import BaseCommand, CommandParser

from passnum.dashboards.territory import refresh_territory_rollup
from passnum.dashboards.usage import refresh_all_usage_tallies


class Command(BaseCommand):
    help = (
        "Dashboards: `refresh` folds every ledger transaction older than "
        "PASSNUM_DASHBOARD_LAG_SECONDS into the usage tallies (also done daily by the worker, and "
        "a batch at a time by each dashboard page), then rebuilds the territory rollup and the "
        "open data (also daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh"])

    def handle(self, *args: object, action: str, **options: object) -> None:
        count = refresh_all_usage_tallies()
        self.stdout.write(f"{count} ledger transactions folded into the usage tallies")
        rollup = refresh_territory_rollup()
        self.stdout.write(
            f"{rollup['rows']} territory rows, {rollup['active_places']} active place-months, "
            f"{rollup['open_data_cells']} open-data cells rebuilt"
        )
