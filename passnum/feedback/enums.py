from django.db import models
from django.utils.translation import gettext_lazy as _


class Usefulness(models.IntegerChoices):
    NOT_AT_ALL = 1, _("Pas du tout")
    A_LITTLE = 2, _("Un peu")
    YES = 3, _("Oui")
    VERY = 4, _("Beaucoup")


class Return(models.TextChoices):
    YES = "yes", _("Oui")
    NO = "no", _("Non")
    MAYBE = "maybe", _("Je ne sais pas")
