from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.places.enums import PlaceType, QualificationStatus


class Place(models.Model):
    """A place (lieu, point de présence) of a provider, where passes are redeemed."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="places",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("nom"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    address = models.CharField(_("adresse"), max_length=300)
    postcode = models.CharField(_("code postal"), max_length=5)
    commune_name = models.CharField(_("commune"), max_length=100)
    commune_code = models.CharField(_("code INSEE de la commune"), max_length=5)
    epci_code = models.CharField(_("SIREN de l'EPCI"), max_length=9, blank=True)
    departement = models.CharField(_("département"), max_length=3)
    region = models.CharField(_("région"), max_length=2)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    place_type = models.CharField(_("type de lieu"), max_length=20, choices=PlaceType.choices)
    qualification_status = models.CharField(
        _("qualification"),
        max_length=20,
        choices=QualificationStatus.choices,
        default=QualificationStatus.DRAFT,
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["qualification_status", "departement"]),
            models.Index(fields=["commune_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.commune_name})"

    @property
    def is_qualified(self) -> bool:
        return self.qualification_status == QualificationStatus.QUALIFIED


class PlaceTransition(models.Model):
    """Log of every qualification change: who, when, from, to, why."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=QualificationStatus.choices)
    to_status = models.CharField(max_length=20, choices=QualificationStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("changement de qualification")
        verbose_name_plural = _("changements de qualification")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
