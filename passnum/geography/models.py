"""French administrative geography (INSEE COG): régions, départements, EPCI, communes, postcodes.

Reference data, loaded by the data migration from data/cog-<year>.json.gz and never edited by hand.
Codes are the INSEE ones (strings: "2A", "971", "75056"); EPCI are identified by their SIREN.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from passnum.geography.enums import EpciKind


class Region(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Departement(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="departements",
        verbose_name=_("région"),
    )

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Epci(models.Model):
    """An intercommunalité à fiscalité propre (communauté de communes, métropole…)."""

    siren = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=5, choices=EpciKind.choices)

    class Meta:
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.siren})"


class Commune(models.Model):
    """A current commune, or one of the 45 arrondissements municipaux of Paris, Lyon and Marseille
    (then `parent` is the commune it belongs to, and its EPCI is the parent's)."""

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    # name in lower case, without accents nor punctuation, "st"/"ste" spelt out: see search.py
    search_name = models.CharField(_("nom normalisé"), max_length=100, db_index=True)
    departement = models.ForeignKey(
        Departement,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("département"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("région"),
    )
    epci = models.ForeignKey(
        Epci,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communes",
        verbose_name=_("EPCI"),
    )
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    # Its centre (the town hall, else the centroid of its outline): data/commune-centres-*.json.gz
    latitude = models.DecimalField(
        _("latitude du centre"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude du centre"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name=_("commune de rattachement"),
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_arrondissement(self) -> bool:
        return self.parent_id is not None


class CommunePostcode(models.Model):
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="postcodes",
        verbose_name=_("commune"),
    )
    postcode = models.CharField(_("code postal"), max_length=5, db_index=True)

    class Meta:
        verbose_name = _("code postal")
        verbose_name_plural = _("codes postaux")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "postcode"],
                name="geography_commune_postcode_unique",
                violation_error_message=_("Ce code postal est déjà rattaché à cette commune."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.postcode} {self.commune.name}"
