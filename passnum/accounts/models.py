from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import (
    InvitationStatus,
    MemberRole,
    MembershipAction,
    OrganisationKind,
)


class EmailUserManager(UserManager["User"]):
    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(None, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. Identified by e-mail; acts through memberships of organisations."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse e-mail"), unique=True)

    USERNAME_FIELD = "email"  # type: ignore[misc]
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Organisation(models.Model):
    """Every action is done as one organisation, and sees only that organisation's data."""

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    territory = models.JSONField(
        _("territoire (départements)"),
        default=list,
        blank=True,
        help_text=_("Pour un hub : les codes des départements qu'il couvre."),
    )
    # Postal address, printed on the invoices and credit notes it receives (a French invoice
    # names the buyer's address); `update_organisation_address` checks and writes it.
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("membre"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("rôle"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_unique_user_organisation",
                violation_error_message=_("Cette personne est déjà membre de l'organisation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class ApiToken(models.Model):
    """A bearer token for the JSON API, held by one member acting for one organisation.

    Only a SHA-256 digest is stored (tokens carry 256 random bits: a slow hash adds nothing);
    the clear token is shown once, at creation.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("membre")
    )
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(_("début du jeton"), max_length=12)
    digest = models.CharField(_("empreinte SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class Invitation(models.Model):
    """An e-mail invitation to join an organisation with a role.

    The link carries a random secret (256 bits); only its SHA-256 digest is stored, like an API
    token's. Its state is read from its dates: pending until accepted, revoked or expired
    (`status`). Each move records who made it and when.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("adresse e-mail invitée"))
    role = models.CharField(
        _("rôle"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    digest = models.CharField(_("empreinte SHA-256"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
                violation_error_message=_(
                    "Une invitation est déjà en attente pour cette adresse dans l'organisation."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked_not_both",
                violation_error_message=_(
                    "Une invitation ne peut être à la fois acceptée et annulée."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="invitation_email_lower_case",
                violation_error_message=_("L'adresse e-mail d'une invitation est en minuscules."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role})"

    @property
    def status(self) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class MembershipLog(models.Model):
    """Who joined, changed role, was removed or left, and who did it (kept after the membership
    itself is deleted)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="membership_logs",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    email = models.EmailField(_("adresse e-mail du membre"))
    action = models.CharField(_("action"), max_length=20, choices=MembershipAction.choices)
    role_before = models.CharField(
        _("rôle avant"), max_length=10, choices=MemberRole.choices, blank=True
    )
    role_after = models.CharField(
        _("rôle après"), max_length=10, choices=MemberRole.choices, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fait par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("entrée du journal des membres")
        verbose_name_plural = _("journal des membres")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.email} @ {self.organisation}: {self.action}"


class Partnership(models.Model):
    """A distributor organisation works for a sponsor: the sponsor may assign it booklets.

    A distributor may work for several sponsors; the pair is unique
    (`accounts/services/partners.py` creates it)."""

    sponsor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="distributor_partnerships",
        verbose_name=_("commanditaire"),
    )
    distributor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="sponsor_partnerships",
        verbose_name=_("distributeur"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("partenariat de distribution")
        verbose_name_plural = _("partenariats de distribution")
        constraints = [
            models.UniqueConstraint(
                fields=["sponsor", "distributor"],
                name="partnership_unique_pair",
                violation_error_message=_("Ce distributeur travaille déjà pour ce commanditaire."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.sponsor} → {self.distributor}"
