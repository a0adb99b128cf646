"""A sponsor's distribution pages: its distributors (create and invite, link, invite again) and,
per order, the booklets to assign to them or take back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.services.partners import (
    create_distributor,
    invite_distributor_admin,
    link_distributor,
)
from passnum.core import exceptions as domain
from passnum.passes.distribution import (
    BookletNumbers,
    BookletSelection,
    NextInStock,
    SerialRange,
    assign_booklets,
    distribution_stop_date,
    withdraw_booklets,
)
from passnum.passes.distribution_selectors import (
    distributable_orders,
    distributor_of,
    distributors_of,
    order_assignments,
    order_booklets,
    order_distribution,
    page_with_counts,
    pending_invitations,
    sponsor_order,
)
from passnum.passes.enums import BookletState
from passnum.passes.states import without_jit
from passnum.www.distribution.common import (
    acting_as,
    by_state,
    int_param,
    is_admin,
    page_of,
    scoped,
)
from passnum.www.distribution.forms import (
    BY_COUNT,
    BY_SERIALS,
    AssignForm,
    CreateDistributorForm,
    InviteAdminForm,
    LinkDistributorForm,
    WithdrawForm,
)

SPONSOR = OrganisationKind.SPONSOR

# --- Distributors --------------------------------------------------------------------------------


@login_required
def distributors(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    return _distributors_page(request, acting)


def _distributors_page(request, acting, *, create=None, link=None, status=200) -> HttpResponse:
    found = list(distributors_of(acting=acting))
    return render(
        request,
        "www/distribution/distributors.html",
        {
            "distributors": found,
            "invitations": pending_invitations(distributors=found),
            "is_admin": is_admin(acting),
            "create_form": create or CreateDistributorForm(prefix="create"),
            "link_form": link or LinkDistributorForm(prefix="link"),
            "invite_form": InviteAdminForm(),
        },
        status=status,
    )


@require_POST
@login_required
def create(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    form = CreateDistributorForm(request.POST, prefix="create")
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = create_distributor(
                acting=acting,
                name=data["name"],
                siren=data["siren"],
                departement=data["departement"],
                admin_email=data["admin_email"],
            )
        except domain.PermissionDenied as exc:
            form.add_error(None, str(exc))
        except domain.DomainError as exc:
            form.add_error(_field_of(exc), str(exc))
        else:
            messages.success(
                request,
                _("%(name)s est créé ; une invitation est envoyée à %(email)s.")
                % {"name": created.distributor.name, "email": created.invitation.invitation.email},
            )
            return redirect("distribution:distributors")
    return _distributors_page(request, acting, create=form, status=400)


def _field_of(exc: domain.DomainError) -> str | None:
    return {
        "invalid_email": "admin_email",
        "distributor_exists": "siren",
        "already_member": "admin_email",
    }.get(exc.code)


@require_POST
@login_required
def link(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    form = LinkDistributorForm(request.POST, prefix="link")
    if form.is_valid():
        try:
            partnership = link_distributor(acting=acting, siren=form.cleaned_data["siren"])
        except domain.PermissionDenied as exc:
            form.add_error(None, str(exc))
        except domain.DomainError as exc:
            form.add_error("siren", str(exc))
        else:
            messages.success(
                request,
                _("%(name)s fait maintenant partie de vos distributeurs.")
                % {"name": partnership.distributor.name},
            )
            return redirect("distribution:distributors")
    return _distributors_page(request, acting, link=form, status=400)


@require_POST
@login_required
def invite(request: HttpRequest, distributor_id: int) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    distributor = scoped(distributor_of, acting=acting, distributor_id=distributor_id)
    form = InviteAdminForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Adresse e-mail invalide."))
        return redirect("distribution:distributors")
    try:
        issued = invite_distributor_admin(
            acting=acting, distributor=distributor, email=form.cleaned_data["email"]
        )
    except domain.DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Invitation envoyée à %(email)s.") % {"email": issued.invitation.email},
        )
    return redirect("distribution:distributors")


# --- Orders and their booklets -------------------------------------------------------------------


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    found = list(distributable_orders(acting=acting))
    return render(
        request,
        "www/distribution/orders.html",
        {"orders": [(order, distribution_stop_date(order)) for order in found]},
    )


@login_required
def order(request: HttpRequest, reference: str) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    found = scoped(sponsor_order, acting=acting, reference=reference)
    return _order_page(request, acting, found)


def _choices(acting) -> list[tuple[int, str]]:
    return [(d.pk, d.name) for d in distributors_of(acting=acting)]


def _order_page(request, acting, found, *, assign=None, withdraw=None, status=200) -> HttpResponse:
    choices = _choices(acting)
    state = request.GET.get("etat", "")
    holder = int_param(request, "distributeur")
    figures = order_distribution(acting=acting, order=found)
    known = None
    if holder is None:  # the figures have counted them already
        known = figures.states.get(state, 0) if state in BookletState.values else figures.total
    with without_jit():
        page = page_of(
            request,
            order_booklets(acting=acting, order=found, state=state, distributor_id=holder),
            count=known,
        )
        page.object_list = page_with_counts(list(page.object_list))
    return render(
        request,
        "www/distribution/order.html",
        {
            "order": found,
            "figures": figures,
            "state_rows": by_state(figures.states),
            "stop_date": distribution_stop_date(found),
            "assign_form": assign or AssignForm(distributors=choices, prefix="assign"),
            "withdraw_form": withdraw or WithdrawForm(distributors=choices, prefix="withdraw"),
            "page": page,
            "states": BookletState.choices,
            "state": state,
            "holder": holder,
            "distributors": choices,
            "movements": order_assignments(acting=acting, order=found)[:20],
        },
        status=status,
    )


def _selection(mode: str, data: dict) -> BookletSelection:
    if mode == BY_COUNT:
        return NextInStock(data["count"])
    if mode == BY_SERIALS:
        return SerialRange(data["first"], data["last"])
    return BookletNumbers(data["first"], data["last"])


@require_POST
@login_required
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    found = scoped(sponsor_order, acting=acting, reference=reference)
    choices = _choices(acting)
    form = AssignForm(request.POST, distributors=choices, prefix="assign")
    if form.is_valid():
        data = form.cleaned_data
        distributor = scoped(distributor_of, acting=acting, distributor_id=data["distributor"])
        try:
            count = assign_booklets(
                acting=acting,
                order=found,
                distributor=distributor,
                selection=_selection(data["mode"], data),
            )
        except domain.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(count)s carnet(s) attribué(s) à %(name)s.")
                % {
                    "count": formats.number_format(count, force_grouping=True),
                    "name": distributor.name,
                },
            )
            return redirect(reverse("distribution:order", args=[found.reference]))
    return _order_page(request, acting, found, assign=form, status=400)


@require_POST
@login_required
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    acting = acting_as(request, SPONSOR)
    found = scoped(sponsor_order, acting=acting, reference=reference)
    choices = _choices(acting)
    form = WithdrawForm(request.POST, distributors=choices, prefix="withdraw")
    if form.is_valid():
        data = form.cleaned_data
        holder = None
        if data["distributor"]:
            holder = scoped(distributor_of, acting=acting, distributor_id=data["distributor"])
        try:
            count = withdraw_booklets(
                acting=acting,
                order=found,
                selection=_selection(data["mode"], data),  # type: ignore[arg-type]
                distributor=holder,
            )
        except domain.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(count)s carnet(s) repris dans votre stock.")
                % {"count": formats.number_format(count, force_grouping=True)},
            )
            return redirect(reverse("distribution:order", args=[found.reference]))
    return _order_page(request, acting, found, withdraw=form, status=400)
