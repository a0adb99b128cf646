from django.contrib import admin

from passnum.badges.models import Badge
from passnum.core.admin import ReadOnlyAdmin


@admin.register(Badge)
class BadgeAdmin(ReadOnlyAdmin):
    """Read-only: a badge is awarded and revoked by its place (or revoked by operator staff)
    through the services, from the badges pages."""

    list_display = ["public_id", "awarded_at", "place", "competence", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["place", "competence"]
    search_fields = ["public_id"]
    fields = [
        "public_id",
        "redemption",
        "place",
        "competence",
        "holder_name",
        "awarded_at",
        "awarded_by",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
