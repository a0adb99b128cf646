"""Operator staff: the orders awaiting payment, and recording what was received (partial payments
add up; the passes activate when the total is reached: `orders.services.record_payment`)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.core.money import format_euros
from passnum.orders import selectors
from passnum.orders.services import record_payment
from passnum.www.sponsor.common import operator_page, scoped_order
from passnum.www.sponsor.forms import PaymentForm
from passnum.www.sponsor.views import _amounts, _detail


@operator_page
def payments(request: HttpRequest, acting: Acting) -> HttpResponse:
    """ "Paiements attendus": every order awaiting payment, with what is due and received."""
    rows = [_amounts(order) for order in selectors.payments_awaited(acting=acting)]
    total = sum(row["remaining_cents"] for row in rows)
    return render(
        request,
        "www/sponsor/payments.html",
        {"rows": rows, "total_remaining": format_euros(total)},
    )


@require_POST
@operator_page
def payment_record(request: HttpRequest, acting: Acting, order_id: int) -> HttpResponse:
    """Records one payment of an order, from its page."""
    order = scoped_order(acting, order_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            paid = record_payment(
                acting=acting,
                order=order,
                amount_cents=data["amount"],
                reference=data["reference"],
                received_on=data["received_on"],
            )
        except DomainError as exc:
            form.add_error("amount" if exc.code == "overpayment" else None, str(exc))
        else:
            received = selectors.amount_received_cents(order=paid)
            if paid.is_paid:
                text = _(
                    "Paiement de %(amount)s enregistré : la commande %(reference)s est payée, "
                    "ses pass sont activés."
                )
            else:
                text = _(
                    "Paiement de %(amount)s enregistré pour la commande %(reference)s : "
                    "%(received)s reçus, reste %(remaining)s."
                )
            messages.success(
                request,
                text
                % {
                    "amount": format_euros(data["amount"]),
                    "reference": paid.reference,
                    "received": format_euros(received),
                    "remaining": format_euros(paid.total_due_cents - received),
                },
            )
            return redirect("orders:payments")
    return _detail(request, acting, order, payment_form=form, status=400)
