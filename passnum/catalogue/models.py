from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from passnum.catalogue.enums import ServiceLevel, StandardService


def in_active_language(french: str, english: str) -> str:
    """The text to show for the language of the request: the English version when English is
    active and there is one, else the French (the source language of the nomenclature)."""
    language = translation.get_language() or ""
    if english and language.split("-")[0] == "en":
        return english
    return french


class TranslatedName(models.Model):
    """Reference data shown to users in French and English (data/nomenclature.json)."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    name_en = models.CharField(_("nom (anglais)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language."""
        return in_active_language(self.name, self.name_en)


class Competence(TranslatedName):
    """One of the 16 competences of the CRCN (Pix), e.g. 4.1 Sécuriser l'environnement numérique."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    domain = models.CharField(_("domaine"), max_length=100)
    domain_en = models.CharField(_("domaine (anglais)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("compétence CRCN")
        verbose_name_plural = _("compétences CRCN")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def domain_label(self) -> str:
        """The domain in the active language."""
        return in_active_language(self.domain, self.domain_en)


class ServiceFamily(TranslatedName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    standard_service = models.CharField(
        _("service du standard national"), max_length=80, choices=StandardService.choices
    )

    class Meta:
        verbose_name = _("famille de services")
        verbose_name_plural = _("familles de services")
        ordering = ["name"]


class Service(TranslatedName):
    """A service of the nomenclature (référentiel): what a pass pays for."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=ServiceLevel.choices)
    family = models.ForeignKey(
        ServiceFamily, on_delete=models.PROTECT, related_name="services", verbose_name=_("famille")
    )
    competences = models.ManyToManyField(
        Competence, related_name="services", verbose_name=_("compétences")
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["level", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=[1, 2, 3]),
                name="service_level_1_to_3",
                violation_error_message=_("Le niveau doit être 1, 2 ou 3."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def description_label(self) -> str:
        """The description in the active language."""
        return in_active_language(self.description, self.description_en)
