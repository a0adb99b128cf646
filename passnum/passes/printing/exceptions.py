from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import Conflict, InvalidInput


class NothingToPrint(Conflict):
    code = "nothing_to_print"
    default_message = _("La commande %(reference)s n'a pas encore de pass à imprimer.")


class InvalidLogo(InvalidInput):
    code = "invalid_logo"
    default_message = _("Le logo n'est pas une image lisible (PNG ou JPEG).")
