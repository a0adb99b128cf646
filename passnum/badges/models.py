import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from passnum.catalogue.models import Competence
from passnum.places.models import Place
from passnum.redemptions.models import Redemption


class Badge(models.Model):
    """A skill badge: a CRCN competence a person achieved during a service paid with passes,
    awarded by a member of the place. Tied to the redemption (hence to a place, a service and a
    date), never to an account: the holder's name is optional and typed by the person.

    Kept as written (PostgreSQL refuses other changes, migration 0002): only the revocation
    columns change, once, and the holder's name, once, from empty. The signed credential
    (`credential.py`) is derived from these columns, so a badge's content never changes
    except for the name its holder adds."""

    public_id = models.UUIDField(_("identifiant public"), default=uuid.uuid4, unique=True)
    redemption = models.ForeignKey(
        Redemption, on_delete=models.PROTECT, related_name="badges", verbose_name=_("utilisation")
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="badges", verbose_name=_("lieu")
    )
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="+", verbose_name=_("compétence")
    )
    holder_name = models.CharField(_("nom du titulaire"), max_length=100, blank=True)
    awarded_at = models.DateTimeField(_("attribué le"), auto_now_add=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attribué par"),
    )
    revoked_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("retiré par"),
    )
    revoke_reason = models.CharField(_("motif du retrait"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["-awarded_at", "-pk"]
        indexes = [models.Index(fields=["place", "awarded_at"], name="badge_place_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["redemption", "competence"],
                name="one_badge_per_competence_and_redemption",
                violation_error_message=_("Ce badge a déjà été attribué pour cet accompagnement."),
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="badge_revoked_with_reason",
                violation_error_message=_("Un badge retiré l'est avec un motif."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
