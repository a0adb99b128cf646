"""Daily job of the dashboards (passnum/jobs/registry.py): the pages fold a bounded batch of new
ledger transactions into the usage tallies on each load; this catches up with all of them."""

from django.utils.translation import gettext as _

from passnum.jobs.registry import daily_job


@daily_job("refresh_usage_tallies")
def refresh_usage_tallies_daily() -> str:
    from passnum.dashboards.usage import refresh_all_usage_tallies

    count = refresh_all_usage_tallies()
    return _("%(count)s transaction(s) comptée(s) dans les tableaux de bord") % {"count": count}


@daily_job("refresh_territory_rollup")
def refresh_territory_rollup_daily() -> str:
    from passnum.dashboards.territory import refresh_territory_rollup

    counts = refresh_territory_rollup()
    return _(
        "%(rows)s ligne(s) des tableaux de bord des territoires, %(cells)s cellule(s) de données "
        "ouvertes"
    ) % {"rows": counts["rows"], "cells": counts["open_data_cells"]}
