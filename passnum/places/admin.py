from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from passnum.core.admin import ReadOnlyAdmin, ReadOnlyInline, euros
from passnum.places.models import Place, PlaceTransition, ServiceOffer


class ServiceOfferInline(ReadOnlyInline):
    model = ServiceOffer
    fields = ["service", "price", "passes_needed", "duration_minutes", "format"]
    readonly_fields = ["price"]
    price = euros("price_cents", _("prix"))


class PlaceTransitionInline(ReadOnlyInline):
    model = PlaceTransition
    fields = ["from_status", "to_status", "actor", "reason", "created_at"]


@admin.register(Place)
class PlaceAdmin(ReadOnlyAdmin):
    """Read-only: a place changes through its provider's pages, the review queue and the
    national-standard import, each logged; redemptions depend on it."""

    list_display = [
        "name",
        "organisation",
        "commune_name",
        "departement",
        "place_type",
        "qualification_status",
    ]
    list_filter = ["qualification_status", "place_type", "departement"]
    list_select_related = ["organisation"]
    search_fields = ["name", "commune_name", "postcode"]
    inlines = [ServiceOfferInline, PlaceTransitionInline]
