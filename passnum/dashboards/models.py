"""Pre-aggregated use of each order's passes, for the dashboards (`dashboards.usage`).

Derived data, rebuilt from the append-only ledger (redemption and undo transactions) and
the redemption lines, and from the (append-only) hand-outs: never a source of truth, never written by the scan path. The watermark
says up to which ledger transaction the tallies are complete; the dashboards add what came
after it, counted live (`dashboards.usage`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from passnum.dashboards.enums import OpenDataLevel, UsageAxis
from passnum.orders.models import Order


class UsageTally(models.Model):
    """Passes of one order used (net of undone redemptions), and their face value, by one axis."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="+", verbose_name=_("commande")
    )
    axis = models.CharField(_("axe"), max_length=10, choices=UsageAxis.choices)
    key = models.CharField(_("clé"), max_length=40)
    passes = models.BigIntegerField(_("pass utilisés"))
    amount_cents = models.BigIntegerField(_("valeur faciale utilisée (centimes)"))

    class Meta:
        verbose_name = _("décompte d'utilisation")
        verbose_name_plural = _("décomptes d'utilisation")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "axis", "key"],
                name="usage_tally_unique",
                violation_error_message=_("Ce décompte existe déjà."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.axis} {self.key}: {self.passes}"


class UsageWatermark(models.Model):
    """One row: the last ledger transaction and the last hand-out counted in the tallies, and
    when that was done."""

    last_transaction_id = models.BigIntegerField(_("dernière transaction comptée"), default=0)
    last_handout_id = models.BigIntegerField(_("dernière remise comptée"), default=0)
    last_transaction_at = models.DateTimeField(
        _("date de la dernière transaction comptée"), null=True, blank=True
    )
    refreshed_at = models.DateTimeField(_("mis à jour le"), null=True, blank=True)

    class Meta:
        verbose_name = _("avancement des décomptes")
        verbose_name_plural = _("avancement des décomptes")

    def __str__(self) -> str:
        return str(self.last_transaction_id)


# --- Territory rollup (territory dashboards and open data, `dashboards.territory`) ---------------


class TerritoryMonth(models.Model):
    """One month of one funder's figures in one territory: derived data, rebuilt in full from the
    orders, hand-outs, redemptions, payouts and credit notes by `refresh_territory_rollup`.

    Where each figure is counted (docs/opendata.md): use and payouts where the service was given
    (the place's département and EPCI); hand-outs at the distributor's département; money
    committed, passes issued, expired and credited in the département (région) of the order's
    perimeter when it lies in one, else at the national level only ("" codes)."""

    month = models.DateField(_("mois"))
    sponsor = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("commanditaire"),
    )
    region = models.CharField(_("région"), max_length=3, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    epci = models.CharField(_("EPCI"), max_length=9, blank=True)
    committed_cents = models.BigIntegerField(_("engagé (centimes)"), default=0)
    issued = models.BigIntegerField(_("pass émis"), default=0)
    handed_out = models.BigIntegerField(_("pass remis"), default=0)
    used = models.BigIntegerField(_("pass utilisés"), default=0)
    used_cents = models.BigIntegerField(_("valeur faciale utilisée (centimes)"), default=0)
    paid_out = models.BigIntegerField(_("pass payés aux lieux"), default=0)
    paid_out_cents = models.BigIntegerField(_("payé aux lieux (centimes)"), default=0)
    expired = models.BigIntegerField(_("pass expirés"), default=0)
    refundable_cents = models.BigIntegerField(_("remboursable (centimes)"), default=0)
    refunded_cents = models.BigIntegerField(_("remboursé (centimes)"), default=0)

    class Meta:
        verbose_name = _("mois d'un territoire")
        verbose_name_plural = _("mois des territoires")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "sponsor", "departement", "epci"],
                name="territory_month_unique",
                violation_error_message=_("Ce mois existe déjà pour ce territoire."),
            )
        ]
        indexes = [
            models.Index(fields=["departement", "month"], name="territory_month_dep_idx"),
            models.Index(fields=["sponsor", "month"], name="territory_month_sponsor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.sponsor_id} {self.departement}"


class ActivePlaceMonth(models.Model):
    """A place with at least one redemption (not undone) in a month: the active places of any
    period and territory are the distinct places of its rows. Rebuilt with `TerritoryMonth`."""

    month = models.DateField(_("mois"))
    place = models.ForeignKey(
        "places.Place", on_delete=models.CASCADE, related_name="+", verbose_name=_("lieu")
    )
    region = models.CharField(_("région"), max_length=3, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    epci = models.CharField(_("EPCI"), max_length=9, blank=True)

    class Meta:
        verbose_name = _("lieu actif dans le mois")
        verbose_name_plural = _("lieux actifs par mois")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "place"],
                name="active_place_month_unique",
                violation_error_message=_("Ce lieu est déjà compté pour ce mois."),
            )
        ]
        indexes = [models.Index(fields=["departement", "month"], name="active_place_dep_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.place_id}"


class OpenDataCell(models.Model):
    """One published month of one territory or funder, small counts already suppressed
    (`dashboards.opendata`): None is a secret cell. Rebuilt with `TerritoryMonth`; the open-data
    API and files read only these rows."""

    level = models.CharField(_("niveau"), max_length=12, choices=OpenDataLevel.choices)
    code = models.CharField(_("code"), max_length=20, blank=True)
    month = models.DateField(_("mois"))
    committed_cents = models.BigIntegerField(_("engagé (centimes)"), null=True)
    paid_out_cents = models.BigIntegerField(_("payé aux lieux (centimes)"), null=True)
    refunded_cents = models.BigIntegerField(_("remboursé (centimes)"), null=True)
    issued = models.BigIntegerField(_("pass émis"), null=True)
    handed_out = models.BigIntegerField(_("pass remis"), null=True)
    used = models.BigIntegerField(_("pass utilisés"), null=True)

    class Meta:
        verbose_name = _("cellule des données ouvertes")
        verbose_name_plural = _("cellules des données ouvertes")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "month"],
                name="open_data_cell_unique",
                violation_error_message=_("Cette cellule existe déjà."),
            )
        ]
        indexes = [models.Index(fields=["level", "month"], name="open_data_cell_month_idx")]

    def __str__(self) -> str:
        return f"{self.level} {self.code} {self.month:%Y-%m}"


class RollupState(models.Model):
    """One row: when the territory rollup and the open data were last rebuilt."""

    refreshed_at = models.DateTimeField(_("mis à jour le"), null=True, blank=True)

    class Meta:
        verbose_name = _("état des données territoriales")
        verbose_name_plural = _("état des données territoriales")

    def __str__(self) -> str:
        return str(self.refreshed_at)
