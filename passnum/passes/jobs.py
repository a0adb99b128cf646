"""Background and daily jobs of the passes app (passnum/jobs/registry.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.jobs.registry import daily_job


@daily_job("purge_handout_references")
def purge_handout_references_daily() -> str:
    """Erase the pseudonymous references past their retention period, once a day."""
    from passnum.passes.distribution import purge_handout_references

    count = purge_handout_references(now=timezone.now())
    return _("%(count)s référence(s) de remise effacée(s)") % {"count": count}
