from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    """Checks that tie the ledger to the business rows (orders, passes, redemptions): it sits
    above them all, so that the ledger itself knows accounts, transactions and postings only."""

    name = "passnum.reconciliation"
    label = "reconciliation"
    verbose_name = _("Rapprochements")
