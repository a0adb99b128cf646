"""The sponsor's ordering journey: its orders, a new order or a draft, the order's page (status,
amounts, documents, acceptance of the quote, print proof, printing), and the small JSON helpers
of the order form (territories, live count of the places the rules leave).

Operator staff open the same order pages (every order) with their own actions
(payments.py); the sponsor's actions are shown to the order's sponsor only, and every service
checks again who acts.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError, NotFound
from passnum.core.money import format_euros
from passnum.geography.selectors import search_areas
from passnum.orders import selectors
from passnum.orders.documents import render_credit_note, render_invoice, render_quote
from passnum.orders.documents.rendering import format_rate, usage_rules
from passnum.orders.drafts import accept_quote, delete_draft, update_draft
from passnum.orders.enums import OrderStatus
from passnum.orders.exceptions import InvalidOrder
from passnum.orders.models import Order
from passnum.orders.proofs import (
    PRINT_JOB,
    PRINTABLE_STATUSES,
    PROOF_JOB,
    approve_proof,
    request_print,
    request_proof,
    update_print_content,
)
from passnum.orders.services import create_order
from passnum.orders.timeline import confirm_order_end, end_alert, order_timeline, orders_ending
from passnum.orders.validation import validate_rules
from passnum.passes.distribution import distribution_stop_date
from passnum.passes.distribution_selectors import order_figures
from passnum.redemptions.rules import allowed_places
from passnum.www.distribution.common import by_state
from passnum.www.sponsor.common import (
    STATUS_BADGES,
    is_order_sponsor,
    order_page,
    scoped_order,
    sponsor_page,
)
from passnum.www.sponsor.forms import (
    OrderForm,
    PaymentForm,
    PrintContentForm,
    RulesForm,
    rules_of,
    service_errors_to_form,
)

PAGE_SIZE = 50
ISSUE_JOB = "issue_order_passes"


# --- Lists -----------------------------------------------------------------------------------


@order_page
def orders(request: HttpRequest, acting: Acting) -> HttpResponse:
    """ "Mes commandes": a sponsor's orders (operator staff: every order), newest first."""
    found = selectors.with_amounts(selectors.orders_visible_to(acting=acting))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "www/sponsor/orders.html",
        {
            "page": page,
            "rows": [_amounts(order) for order in page],
            "ending": orders_ending(acting=acting),
        },
    )


def _amounts(order: Order) -> dict[str, Any]:
    received = getattr(order, "received_cents", None)
    if received is None:
        received = selectors.amount_received_cents(order=order)
    return {
        "order": order,
        "badge": STATUS_BADGES.get(order.status, ""),
        "face_total": format_euros(order.face_total_cents),
        "fee": format_euros(order.upstream_fee_cents),
        "fee_rate": format_rate(order.upstream_fee_bps),
        "vat": format_euros(order.upstream_vat_cents),
        "vat_rate": format_rate(order.vat_bps),
        "total": format_euros(order.total_due_cents),
        "received": format_euros(received),
        "remaining": format_euros(
            max(order.total_due_cents - received, 0) if not order.is_draft else 0
        ),
        "remaining_cents": order.total_due_cents - received,
    }


# --- The order form ---------------------------------------------------------------------------


@sponsor_page
def order_new(request: HttpRequest, acting: Acting) -> HttpResponse:
    """A new order, saved as a draft."""
    return _order_form(request, acting, order=None)


@sponsor_page
def order_edit(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    order = scoped_order(acting, order_id)
    if not order.is_draft:
        messages.info(
            request,
            _("La commande %(reference)s n'est plus un brouillon : elle ne se modifie plus.")
            % {"reference": order.reference},
        )
        return redirect("orders:detail", order.pk)
    return _order_form(request, acting, order=order)


def _order_form(request: HttpRequest, acting: Acting, *, order: Order | None) -> HttpResponse:
    if request.method == "POST":
        form = OrderForm(request.POST, request.FILES, order=order)
        if form.is_valid():
            try:
                saved = _save(acting, order, form)
            except InvalidOrder as exc:
                service_errors_to_form(form, exc)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                if request.POST.get("action") == "quote":
                    messages.success(
                        request,
                        _(
                            "Le brouillon %(reference)s est enregistré : son devis se "
                            "télécharge ci-dessous."
                        )
                        % {"reference": saved.reference},
                    )
                    return redirect(reverse("orders:detail", args=[saved.pk]) + "#documents")
                messages.success(
                    request,
                    _(
                        "Le brouillon %(reference)s est enregistré. Relisez le devis, puis "
                        "acceptez-le quand tout est prêt."
                    )
                    % {"reference": saved.reference},
                )
                return redirect("orders:detail", saved.pk)
    else:
        form = OrderForm(order=order)
    return render(
        request,
        "www/sponsor/order_form.html",
        {
            "form": form,
            "order": order,
            "service_groups": form.service_groups(),
            "places_count": places_count_text(allowed_places(order).count()) if order else "",
        },
        status=400 if form.errors else 200,
    )


def _save(acting: Acting, order: Order | None, form: OrderForm) -> Order:
    arguments = form.service_kwargs()
    if order is None:
        return create_order(acting=acting, draft=True, **arguments)
    return update_draft(
        acting=acting,
        order=order,
        remove_logo=bool(form.cleaned_data.get("remove_logo")),
        **arguments,
    )


@sponsor_page
def order_delete(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    """Confirm (GET), then delete (POST) a draft."""
    order = scoped_order(acting, order_id)
    if request.method == "POST":
        try:
            delete_draft(acting=acting, order=order)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("orders:detail", order.pk)
        messages.success(
            request, _("Le brouillon %(reference)s est supprimé.") % {"reference": order.reference}
        )
        return redirect("orders:list")
    if not order.is_draft:
        return redirect("orders:detail", order.pk)
    return render(request, "www/sponsor/order_delete.html", {"order": order})


# --- The order's page --------------------------------------------------------------------------


@order_page
def order_detail(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    order = scoped_order(acting, order_id)
    return _detail(request, acting, order)


def _detail(
    request: HttpRequest,
    acting: Acting,
    order: Order,
    *,
    print_form: PrintContentForm | None = None,
    payment_form: PaymentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sponsor = is_order_sponsor(acting, order)
    operator = acting.kind == "operator"
    printable = order.status in PRINTABLE_STATUSES
    proofs = selectors.order_jobs(acting=acting, order=order, kind=PROOF_JOB)[:5]
    prints = selectors.order_jobs(acting=acting, order=order, kind=PRINT_JOB)[:5]
    issuing = selectors.order_jobs(acting=acting, order=order, kind=ISSUE_JOB).first()
    if print_form is None and sponsor and printable and not order.proof_approved:
        print_form = PrintContentForm(order=order)
    if payment_form is None and operator and order.status == OrderStatus.AWAITING_PAYMENT:
        from django.utils import timezone

        payment_form = PaymentForm(initial={"received_on": timezone.localdate()})
    return render(
        request,
        "www/sponsor/order.html",
        {
            "order": order,
            "amounts": _amounts(order),
            "is_sponsor": sponsor,
            "is_operator": operator,
            "rules": usage_rules(order),
            "places_count": places_count_text(allowed_places(order).count()),
            "documents": selectors.documents_of(order=order),
            "payments": [
                (payment, format_euros(payment.amount_cents))
                for payment in selectors.payments_of(order=order)
            ],
            "transitions": selectors.transitions_of(order=order),
            "printable": printable,
            "proofs": proofs,
            "prints": prints,
            "issuing": issuing,
            "print_form": print_form,
            "payment_form": payment_form,
            **_distribution_context(acting, order, shown=sponsor or operator),
            "end_alert": end_alert(order),
            "timeline": order_timeline(order),
        },
        status=status,
    )


def _distribution_context(acting: Acting, order: Order, *, shown: bool) -> dict[str, Any]:
    """The order page's "Distribution" block (www/sponsor/_order_distribution.html): once the
    passes are issued, their booklets by state and their passes by status; links to the
    distribution pages for the sponsor, read-only for operator staff."""
    if not shown or order.issued_at is None:
        return {"distribution": None}
    figures = order_figures(acting=acting, order=order)
    stop = distribution_stop_date(order)
    return {
        "distribution": figures,
        "distribution_states": by_state(figures.booklets.states),
        "distributable": order.status == OrderStatus.PAID and timezone.localdate() <= stop,
        "distribution_stop": stop,
    }


def _order_action(request: HttpRequest, order: Order, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("orders:detail", order.pk)


@require_POST
@sponsor_page
def order_accept(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    """ "Accepter le devis": invoice, passes (inline or a job), awaiting payment."""
    order = scoped_order(acting, order_id)
    try:
        accepted = accept_quote(acting=acting, order=order)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("orders:detail", order.pk)
    if accepted.issued_at is not None:
        text = _(
            "Devis accepté : la facture est émise et les %(count)s pass aussi. Ils seront "
            "activés à réception du paiement."
        )
    else:
        text = _(
            "Devis accepté : la facture est émise ; les %(count)s pass sont en cours d'émission. "
            "Ils seront activés à réception du paiement."
        )
    messages.success(request, text % {"count": accepted.quantity})
    return redirect("orders:detail", order.pk)


@require_POST
@order_page
def order_confirm_end(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    """ "Confirmer la fin de validité" (J-7, orders/timeline.py)."""
    order = scoped_order(acting, order_id)
    try:
        confirm_order_end(acting=acting, order=order)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Fin de validité confirmée. Les pass non utilisés le %(date)s expireront ; "
                "l'avoir de leur valeur faciale sera émis ensuite."
            )
            % {"date": order.expires_on.strftime("%d/%m/%Y")},
        )
    return redirect("orders:detail", order.pk)


@require_POST
@order_page
def order_proof(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    """ "Générer l'épreuve": starts the proof job and shows its page."""
    order = scoped_order(acting, order_id)
    try:
        job = request_proof(acting=acting, order=order)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("orders:detail", order.pk)
    return redirect("job", job.pk)


@require_POST
@sponsor_page
def order_proof_approve(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    order = scoped_order(acting, order_id)
    return _order_action(
        request,
        order,
        lambda: approve_proof(acting=acting, order=order),
        _("Épreuve approuvée : les carnets peuvent être imprimés."),
    )


@require_POST
@order_page
def order_print(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    """ "Imprimer les carnets": starts the print job and shows its page."""
    order = scoped_order(acting, order_id)
    try:
        job = request_print(acting=acting, order=order)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("orders:detail", order.pk)
    return redirect("job", job.pk)


@require_POST
@sponsor_page
def order_print_content(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    """The covers' text and logo of an accepted order, until the proof is approved."""
    order = scoped_order(acting, order_id)
    form = PrintContentForm(request.POST, request.FILES, order=order)
    if form.is_valid():
        try:
            update_print_content(
                acting=acting,
                order=order,
                print_text=form.cleaned_data["print_text"],
                logo=form.cleaned_data["logo"],
                remove_logo=bool(form.cleaned_data.get("remove_logo")),
            )
        except InvalidOrder as exc:
            service_errors_to_form(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Texte et logo enregistrés. Générez une nouvelle épreuve pour les vérifier."),
            )
            return redirect("orders:detail", order.pk)
    return _detail(request, acting, order, print_form=form, status=400)


# --- Documents and the logo (scoped downloads) ---------------------------------------------------


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@order_page
def order_quote(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    order = scoped_order(acting, order_id)
    return _pdf(render_quote(order), f"devis-{order.reference}.pdf")


@order_page
def order_document(
    request: HttpRequest, acting: Acting, order_id: int, invoice_id: int
) -> HttpResponse:
    """The invoice or a credit note of the order, as PDF."""
    order = scoped_order(acting, order_id)
    try:
        invoice = selectors.invoice_for(acting=acting, invoice_id=invoice_id)
    except NotFound as exc:
        raise Http404 from exc
    if invoice.order_id != order.pk:
        raise Http404
    if invoice.is_credit_note:
        return _pdf(render_credit_note(invoice), f"avoir-{invoice.number}.pdf")
    return _pdf(render_invoice(invoice), f"facture-{invoice.number}.pdf")


@order_page
def order_logo(request: HttpRequest, acting: Acting, order_id: int) -> FileResponse:
    """The logo to print, for its sponsor and operator staff only (never a public URL)."""
    order = scoped_order(acting, order_id)
    if not order.logo:
        raise Http404
    content_type = "image/png" if (order.logo.name or "").endswith(".png") else "image/jpeg"
    try:
        stream = order.logo.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(stream, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- JSON helpers of the order form --------------------------------------------------------------


@require_GET
@sponsor_page
def areas(request: HttpRequest, acting: Acting) -> JsonResponse:
    """Territories for the perimeter picker: `?q=` a name or a code."""
    text = request.GET.get("q", "")[:100]
    if "\x00" in text:
        return JsonResponse({"results": []})
    return JsonResponse({"results": search_areas(text, limit=8)})


@require_GET
@sponsor_page
def places_count(request: HttpRequest, acting: Acting) -> JsonResponse:
    """How many qualified places the usage rules of the query string leave (the order form's
    live count): the rules checked by the order services, counted with the redemption rules."""
    form = RulesForm(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {
                "errors": {
                    name: " ".join(str(e) for e in errors) for name, errors in form.errors.items()
                }
            },
            status=400,
        )
    rules = rules_of(form.cleaned_data)
    try:
        validate_rules(rules)
    except InvalidOrder as exc:
        return JsonResponse(
            {"errors": {detail["field"]: detail["message"] for detail in exc.details}},
            status=400,
        )
    sample = Order(
        perimeter_communes=list(rules.communes),
        perimeter_epcis=list(rules.epcis),
        perimeter_departements=list(rules.departements),
        perimeter_regions=list(rules.regions),
        allowed_place_types=list(rules.place_types),
        allowed_families=list(rules.families),
        allowed_services=list(rules.services),
    )
    count = allowed_places(sample).count()
    return JsonResponse({"count": count, "text": places_count_text(count)})


def places_count_text(count: int) -> str:
    from django.utils.translation import ngettext

    if not count:
        return _("Aucun lieu qualifié ne correspond à ces règles pour le moment.")
    return ngettext(
        "%(count)s lieu qualifié correspond à ces règles.",
        "%(count)s lieux qualifiés correspondent à ces règles.",
        count,
    ) % {"count": count}
