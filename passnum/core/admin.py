"""Back-office building blocks: read-only admins for the rows money or audit depends on, money
shown in euros, and actions that ask for a reason and then call a service.

The back-office is one more caller of the services (DESIGN.md, rule 1): it never adds, changes
or deletes such rows itself.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from passnum.core.money import format_euros


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and shown, never added, changed nor deleted from the back-office (no save button,
    no "delete selected" action)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [*(self.fields or []), *self.readonly_fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def euros(field: str, description: Any) -> Callable[[Any, Any], str]:
    """A column (list_display, readonly_fields) showing a `*_cents` field as `1 200,00 €`,
    sorted by the field itself: `face_value = euros("face_value_cents", _("valeur faciale"))`."""

    @admin.display(description=description, ordering=field)
    def column(self: Any, obj: Any) -> str:
        value = getattr(obj, field)
        return "" if value is None else format_euros(value)

    return column


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Enregistré dans le journal avec votre nom."),
    )


Apply = Callable[[Any, HttpRequest, QuerySet, str], None]


def reason_action(
    *, description: Any, explanation: Any
) -> Callable[[Apply], Callable[[Any, HttpRequest, QuerySet], TemplateResponse | None]]:
    """An admin action that first asks for the reason on its own page, then calls
    `apply(modeladmin, request, queryset, reason)` (which calls the service)."""

    def decorator(apply: Apply) -> Callable[[Any, HttpRequest, QuerySet], TemplateResponse | None]:
        @admin.action(description=description)
        def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> Any:
            form = ReasonForm(request.POST if "apply" in request.POST else None)
            if form.is_valid():
                apply(modeladmin, request, queryset, form.cleaned_data["reason"])
                return None
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "explanation": explanation,
                "opts": modeladmin.model._meta,
                "queryset": queryset,
                "form": form,
                "action": request.POST.get("action", apply.__name__),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/action_reason.html", context)

        action.__name__ = apply.__name__
        return action

    return decorator
