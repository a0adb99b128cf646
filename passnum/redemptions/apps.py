from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedemptionsConfig(AppConfig):
    name = "passnum.redemptions"
    label = "redemptions"
    verbose_name = _("Utilisations de pass")
