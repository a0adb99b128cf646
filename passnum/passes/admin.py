from collections.abc import Iterable

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from passnum.accounts.admin import operator_acting, report_domain_error
from passnum.core.admin import ReadOnlyAdmin, reason_action
from passnum.core.exceptions import DomainError
from passnum.passes.enums import BookletState
from passnum.passes.exceptions import NoPassesChanged
from passnum.passes.models import (
    Booklet,
    BookletAssignment,
    HandOut,
    Pass,
    PassEvent,
    PassReplacement,
)
from passnum.passes.services import block_passes, unblock_passes
from passnum.passes.states import with_states


def serial_ranges(serials: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive serials grouped: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    ranges: list[tuple[int, int]] = []
    for serial in sorted(set(serials)):
        if ranges and serial == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], serial)
        else:
            ranges.append((serial, serial))
    return ranges


def _change_ranges(request, ranges: list[tuple[int, int]], *, block: bool, reason: str) -> None:
    """Each range through `block_passes`/`unblock_passes` as the operator (one logged event
    each); ranges with nothing to change are skipped."""
    acting = operator_acting(request)
    if acting is None:
        return
    service = block_passes if block else unblock_passes
    changed = 0
    for first, last in ranges:
        try:
            changed += service(acting=acting, serial_first=first, serial_last=last, reason=reason)
        except NoPassesChanged:
            continue
        except DomainError as error:
            report_domain_error(request, error)
            break
    if block:
        text = _("Pass bloqués : %(n)s (utilisés, expirés ou déjà bloqués laissés tels quels).")
    else:
        text = _("Pass débloqués : %(n)s.")
    messages.success(request, text % {"n": changed})


@admin.register(Booklet)
class BookletAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "first_serial", "last_serial", "distributor", "state"]
    list_select_related = ["order", "distributor"]
    search_fields = ["=number"]
    actions = ["block", "unblock"]

    def get_queryset(self, request):
        return with_states(super().get_queryset(request))

    @admin.display(description=_("état"))
    def state(self, obj: Booklet) -> str:
        """Derived from its passes and hand-out (passes/states.py), never stored."""
        return str(BookletState(obj.state).label)  # type: ignore[attr-defined]

    @reason_action(
        description=_("Bloquer les pass des carnets sélectionnés"),
        explanation=_("Les pass actifs ou inactifs de ces carnets seront bloqués (perte, vol)."),
    )
    def block(self, request, queryset, reason: str) -> None:
        ranges = queryset.order_by("first_serial").values_list("first_serial", "last_serial")
        _change_ranges(request, list(ranges), block=True, reason=reason)

    @reason_action(
        description=_("Débloquer les pass des carnets sélectionnés"),
        explanation=_("Les pass bloqués de ces carnets redeviendront utilisables."),
    )
    def unblock(self, request, queryset, reason: str) -> None:
        ranges = queryset.order_by("first_serial").values_list("first_serial", "last_serial")
        _change_ranges(request, list(ranges), block=False, reason=reason)


@admin.register(Pass)
class PassAdmin(ReadOnlyAdmin):
    list_display = ["serial", "order", "status"]
    list_filter = ["status"]
    list_select_related = ["order"]
    search_fields = ["=serial", "=code"]
    fields = ["order", "booklet", "serial", "code", "status"]
    show_full_result_count = False
    actions = ["block", "unblock"]

    @reason_action(
        description=_("Bloquer les pass sélectionnés"),
        explanation=_("Les pass actifs ou inactifs sélectionnés seront bloqués (perte, vol)."),
    )
    def block(self, request, queryset, reason: str) -> None:
        ranges = serial_ranges(queryset.values_list("serial", flat=True))
        _change_ranges(request, ranges, block=True, reason=reason)

    @reason_action(
        description=_("Débloquer les pass sélectionnés"),
        explanation=_("Les pass bloqués sélectionnés redeviendront utilisables."),
    )
    def unblock(self, request, queryset, reason: str) -> None:
        ranges = serial_ranges(queryset.values_list("serial", flat=True))
        _change_ranges(request, ranges, block=False, reason=reason)


@admin.register(PassEvent)
class PassEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "to_status",
        "order",
        "serial_first",
        "serial_last",
        "pass_count",
        "actor",
    ]
    list_filter = ["to_status"]
    list_select_related = ["order", "actor"]


@admin.register(BookletAssignment)
class BookletAssignmentAdmin(ReadOnlyAdmin):
    """Booklets moving between a sponsor's stock and its distributors (distribution.py)."""

    list_display = [
        "created_at",
        "kind",
        "order",
        "first_number",
        "last_number",
        "booklet_count",
        "from_distributor",
        "to_distributor",
        "actor",
    ]
    list_filter = ["kind"]
    list_select_related = ["order", "from_distributor", "to_distributor", "actor"]
    search_fields = ["=order__reference"]


@admin.register(HandOut)
class HandOutAdmin(ReadOnlyAdmin):
    list_display = ["booklet", "distributor", "handed_out_on", "public", "reference_purged_at"]
    list_filter = ["public"]
    list_select_related = ["booklet", "distributor"]
    search_fields = ["=booklet__number"]


@admin.register(PassReplacement)
class PassReplacementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "old_pass", "new_pass", "actor", "reason"]
    list_select_related = ["old_pass", "new_pass", "actor"]
    search_fields = ["=old_pass__serial", "=new_pass__serial"]
