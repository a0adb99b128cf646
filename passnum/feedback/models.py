from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from passnum.catalogue.models import Competence
from passnum.feedback.enums import Return, Usefulness
from passnum.places.models import Place
from passnum.redemptions.models import Redemption


class Feedback(models.Model):
    """What a person said of a service they paid for with passes: tied to the redemption, never
    to a person (no name, no contact, no free text). One per redemption. The place is copied
    from the redemption so results are read per place without joining it."""

    redemption = models.OneToOneField(
        Redemption, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("utilisation")
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("lieu")
    )
    useful = models.PositiveSmallIntegerField(_("utile"), choices=Usefulness.choices)
    would_return = models.CharField(_("reviendrait"), max_length=5, choices=Return.choices)
    learned = models.ManyToManyField(
        Competence, blank=True, related_name="+", verbose_name=_("ce qui a été appris")
    )
    created_at = models.DateTimeField(_("donné le"), auto_now_add=True)

    class Meta:
        verbose_name = _("avis")
        verbose_name_plural = _("avis")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["place", "created_at"], name="feedback_place_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(useful__gte=1) & Q(useful__lte=4), name="feedback_useful_1_to_4"
            )
        ]

    def __str__(self) -> str:
        return f"{self.redemption_id}: {self.useful}"
