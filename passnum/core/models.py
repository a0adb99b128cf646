from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    """A named gap-free counter (order references, pass serials, invoice numbers).

    Allocation locks the row inside the caller's transaction, so numbers are never skipped
    nor given twice. Only rare operations (issuing, ordering, invoicing) take it: never a scan.
    """

    name = models.CharField(_("nom"), max_length=64, unique=True)
    next_value = models.PositiveBigIntegerField(_("prochaine valeur"), default=1)

    class Meta:
        verbose_name = _("séquence de numéros")
        verbose_name_plural = _("séquences de numéros")

    def __str__(self) -> str:
        return f"{self.name} → {self.next_value}"
