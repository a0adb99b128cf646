import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.catalogue.models import Service
from passnum.places.enums import (
    DocumentKind,
    FileStatus,
    OfferFormat,
    PlaceType,
    QualificationStatus,
)


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
    commune_key = models.CharField(
        _("commune (forme de recherche)"), max_length=100, blank=True, editable=False
    )
    epci_code = models.CharField(_("SIREN de l'EPCI"), max_length=9, blank=True)
    departement = models.CharField(_("département"), max_length=3)
    region = models.CharField(_("région"), max_length=2)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # True when latitude/longitude are its commune's centre (no position was given), not its own.
    location_approximate = models.BooleanField(_("emplacement approximatif"), default=False)
    place_type = models.CharField(_("type de lieu"), max_length=20, choices=PlaceType.choices)
    presentation = models.TextField(
        _("présentation courte"), blank=True, validators=[MaxLengthValidator(280)]
    )
    opening_hours = models.CharField(
        _("horaires (syntaxe OpenStreetMap)"),
        max_length=500,
        blank=True,
        help_text=_("Par exemple : Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"),
    )
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail de contact"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    booking_url = models.URLField(_("prise de rendez-vous en ligne"), blank=True)
    acceslibre_url = models.URLField(_("fiche Accès libre"), blank=True)
    itinerant = models.BooleanField(_("itinérant"), default=False)
    publics = models.JSONField(_("publics spécifiquement accueillis"), default=list, blank=True)
    specific_support = models.JSONField(_("prise en charge spécifique"), default=list, blank=True)
    access_modes = models.JSONField(_("modalités d'accès"), default=list, blank=True)
    support_modes = models.JSONField(_("modalités d'accompagnement"), default=list, blank=True)
    standard_id = models.UUIDField(
        _("identifiant (standard national)"), default=uuid.uuid4, unique=True, editable=False
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    source_id = models.CharField(_("identifiant à la source"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)
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
            # The public search reads qualified places only: partial indexes keep it < 50 ms.
            models.Index(
                fields=["postcode"],
                condition=Q(qualification_status="qualified"),
                name="place_public_postcode_idx",
            ),
            models.Index(
                fields=["commune_key"],
                condition=Q(qualification_status="qualified"),
                name="place_public_commune_key_idx",
            ),
            models.Index(
                fields=["latitude", "longitude"],
                condition=Q(qualification_status="qualified"),
                name="place_public_lat_lon_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="place_siret_unique",
                violation_error_message=_("Ce SIRET est déjà enregistré pour un autre lieu."),
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="place_source_id_unique",
                violation_error_message=_("Ce lieu a déjà été importé depuis cette source."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.commune_name})"

    @property
    def is_qualified(self) -> bool:
        return self.qualification_status == QualificationStatus.QUALIFIED


class PlaceTransition(models.Model):
    """Log of every qualification change: who, when, from, to, why."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("lieu")
    )
    from_status = models.CharField(
        _("état de départ"), max_length=20, choices=QualificationStatus.choices
    )
    to_status = models.CharField(
        _("nouvel état"), max_length=20, choices=QualificationStatus.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("fait par")
    )
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement de qualification")
        verbose_name_plural = _("changements de qualification")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ServiceOffer(models.Model):
    """A service of the nomenclature that a place offers, with its price in passes."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="offers", verbose_name=_("lieu")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="offers", verbose_name=_("service")
    )
    price_cents = models.PositiveIntegerField(_("prix (centimes)"))
    passes_needed = models.PositiveSmallIntegerField(
        _("nombre de pass"), validators=[MinValueValidator(1)], default=1
    )
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    format = models.CharField(
        _("format"), max_length=12, choices=OfferFormat.choices, default=OfferFormat.INDIVIDUAL
    )
    capacity = models.PositiveSmallIntegerField(_("places par atelier"), null=True, blank=True)

    class Meta:
        verbose_name = _("offre de service")
        verbose_name_plural = _("offres de service")
        ordering = ["service__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "service"],
                name="offer_unique_place_service",
                violation_error_message=_("Ce lieu propose déjà ce service."),
            ),
            models.CheckConstraint(
                condition=Q(passes_needed__gte=1) & Q(duration_minutes__gte=1),
                name="offer_passes_and_duration_positive",
                violation_error_message=_("Nombre de pass et durée doivent être positifs."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} — {self.service}"


class ProviderFile(models.Model):
    """A provider organisation's qualification file (dossier): saved step by step as a draft,
    corrected until submission, then reviewed by the operator or the territory's hub."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="qualification_file",
        verbose_name=_("structure"),
    )
    status = models.CharField(
        _("état"), max_length=20, choices=FileStatus.choices, default=FileStatus.DRAFT
    )
    siret = models.CharField(_("SIRET du siège"), max_length=14, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=100, blank=True)
    website = models.URLField(_("site web"), blank=True)
    description = models.TextField(_("présentation de la structure"), blank=True)
    billing_address = models.CharField(_("adresse de facturation"), max_length=300, blank=True)
    rep_first_name = models.CharField(_("prénom du représentant légal"), max_length=100, blank=True)
    rep_last_name = models.CharField(_("nom du représentant légal"), max_length=100, blank=True)
    rep_email = models.EmailField(_("e-mail du représentant légal"), blank=True)
    rep_role = models.CharField(_("fonction du représentant légal"), max_length=100, blank=True)
    grid_version = models.CharField(_("version de la grille"), max_length=20, blank=True)
    eligibility_answers = models.JSONField(_("réponses au questionnaire"), default=dict, blank=True)
    eligibility_score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    terms_version = models.CharField(
        _("version des conditions acceptée"), max_length=20, blank=True
    )
    terms_accepted_at = models.DateTimeField(_("conditions acceptées le"), null=True, blank=True)
    terms_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conditions acceptées par"),
    )
    account_holder = models.CharField(_("titulaire du compte"), max_length=140, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_validated_at = models.DateTimeField(
        _("coordonnées bancaires validées le"), null=True, blank=True
    )
    bank_validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coordonnées bancaires validées par"),
    )
    submitted_at = models.DateTimeField(_("soumis le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("dossier de qualification")
        verbose_name_plural = _("dossiers de qualification")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="file_siret_unique",
                violation_error_message=_("Ce SIRET est déjà utilisé par une autre structure."),
            )
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return str(self.organisation)


class FileTransition(models.Model):
    file = models.ForeignKey(
        ProviderFile,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("dossier"),
    )
    from_status = models.CharField(_("état de départ"), max_length=20, choices=FileStatus.choices)
    to_status = models.CharField(_("nouvel état"), max_length=20, choices=FileStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("fait par")
    )
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement d'état du dossier")
        verbose_name_plural = _("changements d'état du dossier")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class FileComment(models.Model):
    """A comment on a file, by the applicant or a reviewer."""

    file = models.ForeignKey(
        ProviderFile,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("dossier de qualification"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("auteur")
    )
    text = models.TextField(_("commentaire"))
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class SupportingDocument(models.Model):
    file = models.ForeignKey(
        ProviderFile,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("dossier de qualification"),
    )
    kind = models.CharField(_("type de justificatif"), max_length=20, choices=DocumentKind.choices)
    document = models.FileField(_("fichier"), upload_to="qualification/%Y/%m/")
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("type de contenu"), max_length=50)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("justificatif")
        verbose_name_plural = _("justificatifs")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
