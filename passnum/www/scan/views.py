"""The scanning page of a place's staff.

Every page here belongs to a place of the acting provider organisation (`place_of`: 404 for any
other) and every read of a redemption is scoped to the organisation and to that place. Checks
of pass codes (the page's live check, the form's "check" button and codes refused as unknown)
count against the same limits as the API's (`count_code_checks`), per member and per address.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.api.throttle import TooManyCodeChecks
from passnum.catalogue.exceptions import UnknownService
from passnum.catalogue.models import Service
from passnum.catalogue.selectors import get_service
from passnum.core.exceptions import DomainError
from passnum.core.money import format_euros
from passnum.core.throttle import Window, client_address
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.places.models import Place, ServiceOffer
from passnum.places.selectors import offer_prices, place_for_redemption, place_of, places_of
from passnum.redemptions import offline as offline_selectors
from passnum.redemptions import selectors
from passnum.redemptions.exceptions import IdempotencyKeyReused, RedemptionRefused
from passnum.redemptions.models import Redemption
from passnum.redemptions.rules import Reason, Refusal
from passnum.redemptions.selectors import PassCheck
from passnum.redemptions.services import redeem_passes, undo_redemption
from passnum.www.distribution.common import acting_as, scoped
from passnum.www.scan.forms import ScanForm, code_from_scan, new_idempotency_key
from passnum.www.scan.offline import offline_config, offline_context

PROVIDER = OrganisationKind.PROVIDER
RECENT = 50


def count_code_checks(request: HttpRequest, acting: Acting, *, amount: int = 1) -> None:
    """The API's limits on code checks, for a member signed in: PASSNUM_CODE_CHECKS_PER_MINUTE
    per member (the API counts per token) and PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS per
    address, that counter shared with the API. TooManyCodeChecks past either."""
    waits = [
        Window("codes:member", settings.PASSNUM_CODE_CHECKS_PER_MINUTE).hit(
            str(acting.user.pk), amount=amount
        ),
        Window("codes:address", settings.PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS).hit(
            client_address(request), amount=amount
        ),
    ]
    wait = max((seconds for seconds in waits if seconds is not None), default=None)
    if wait is not None:
        raise TooManyCodeChecks(retry_after=wait)


# --- Choosing the place ------------------------------------------------------------------------


@require_GET
@login_required
def places(request: HttpRequest) -> HttpResponse:
    """The organisation's places to scan at; straight to the page of the only one."""
    acting = acting_as(request, PROVIDER)
    own = list(places_of(acting=acting))
    if len(own) == 1:
        return redirect("scan:scan", place_id=own[0].pk)
    return render(request, "www/scan/places.html", {"places": own})


# --- The page ----------------------------------------------------------------------------------


@dataclass
class CheckLine:
    """A pass as the page shows it before confirming: what it is worth and whether it may pay
    here (`check_pass`), or after a refused payment, the reasons given for it."""

    code: str
    known: bool = True
    status: str = ""
    value: str = ""
    expires_on: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.known and not self.reasons


def _offers(place: Place) -> list[ServiceOffer]:
    offers = place.offers.select_related("service")
    return sorted(offers, key=lambda offer: offer.service.label)


def _line(check: PassCheck) -> CheckLine:
    return CheckLine(
        code=pass_codes.display(check.code) if check.known else check.code,
        known=check.known,
        status=str(PassStatus(check.status).label) if check.status else "",
        value=format_euros(check.face_value_cents) if check.face_value_cents else "",
        expires_on=(
            formats.date_format(check.expires_on, "SHORT_DATE_FORMAT")
            if isinstance(check.expires_on, datetime.date)
            else ""
        ),
        reasons=[refusal.message for refusal in check.refusals],
    )


def _checked(
    *, acting: Acting, place: Place, service: Service, price_cents: int, codes: list[str]
) -> list[CheckLine]:
    lines = []
    seen: set[str] = set()
    for raw in codes:
        check = selectors.check_pass(
            acting=acting, raw_code=raw, place=place, service=service, price_cents=price_cents
        )
        if check.code in seen:
            check.refusals.append(
                Refusal(Reason.DUPLICATE_CODE, _("Ce code a été saisi deux fois."), check.code)
            )
        seen.add(check.code)
        lines.append(_line(check))
    return lines


def _refused_lines(codes: list[str], refused: RedemptionRefused) -> tuple[list[CheckLine], list]:
    """(each code typed with the reasons given for it, the reasons about the whole payment)."""
    by_pass: dict[str, list[str]] = {}
    general = []
    for detail in refused.details:
        if "pass" in detail:
            key = pass_codes.normalise(detail["pass"])
            by_pass.setdefault(key, []).append(detail["message"])
        else:
            general.append(detail["message"])
    lines = []
    for raw in codes:
        key = pass_codes.normalise(raw)
        shown = pass_codes.display(key) if pass_codes.problem_with(key) is None else raw
        lines.append(CheckLine(code=shown, reasons=by_pass.pop(key, [])))
    return lines, general


def _recent(acting: Acting, place: Place) -> list[dict[str, Any]]:
    now = timezone.now()
    delay = datetime.timedelta(minutes=settings.PASSNUM_UNDO_MINUTES)
    recent = selectors.recent_redemptions_at(acting=acting, place=place, limit=RECENT)
    # Payments whose pass was presented again offline (docs/offline.md): the other place is
    # not named.
    presented = offline_selectors.conflict_flags(
        acting=acting, redemption_ids=[redemption.pk for redemption in recent]
    )
    return [
        {
            "redemption": redemption,
            "presented_offline": redemption.pk in presented,
            "presented_here": presented.get(redemption.pk, False),
            "passes": [pass_codes.display(line.pass_item.code) for line in redemption.lines.all()],
            "price": format_euros(redemption.price_cents),
            "amount": format_euros(redemption.amount_cents),
            "undoable": redemption.undone_at is None and now - redemption.created_at <= delay,
            "undo_until": redemption.created_at + delay,
        }
        for redemption in recent
    ]


def _config(request: HttpRequest, place: Place, offers: list[ServiceOffer]) -> dict[str, Any]:
    """What the page's script needs, its texts translated here."""
    return {
        "checkUrl": reverse("scan:check", kwargs={"place_id": place.pk}),
        "offline": offline_config(request, place),
        "offers": {
            offer.service.code: {
                "price_cents": offer.price_cents,
                "price": format_euros(offer.price_cents),
                "passes_needed": offer.passes_needed,
            }
            for offer in offers
        },
        "texts": {
            "added": _("Pass ajouté à la liste : %(code)s."),
            "already": _("Ce pass est déjà dans la liste : %(code)s."),
            "checking": _("Vérification…"),
            "usable": _("Utilisable ici"),
            "refused": _("Refusé"),
            "unknown": _("Inconnu"),
            "failed": _("La vérification a échoué : vérifiez la connexion puis réessayez."),
            "remove": _("Retirer"),
            "empty": _("Aucun pass dans la liste pour le moment."),
            "noService": _("Choisissez le service pour savoir si chaque pass peut le payer."),
            "summary": _(
                "Prix : %(price)s (%(needed)s pass prévus). Pass utilisables : %(count)s, pour "
                "%(value)s. La personne paie directement : %(rest)s."
            ),
            "cameraOn": _("Caméra allumée : présentez le code QR ou le code-barres du pass."),
            "cameraOff": _("Caméra éteinte."),
            "cameraError": _(
                "La caméra n'est pas disponible. Autorisez-la dans le navigateur, ou scannez "
                "une photo, ou tapez le code."
            ),
            "photoNone": _(
                "Aucun code lisible sur cette photo : recommencez de plus près, bien à plat, "
                "ou tapez le code."
            ),
            "reading": _("Lecture de la photo…"),
            "nothing": _("Ajoutez au moins un pass avant de confirmer."),
            "sending": _("Envoi du paiement…"),
        },
    }


def _scan_page(
    request: HttpRequest,
    acting: Acting,
    place: Place,
    offers: list[ServiceOffer],
    form: ScanForm,
    *,
    checks: list[CheckLine] | None = None,
    refused: list[CheckLine] | None = None,
    general: list[str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "www/scan/scan.html",
        {
            "place": place,
            "several_places": places_of(acting=acting).count() > 1,
            "offers": offers,
            "form": form,
            "checks": checks,
            "refused": refused,
            "general": general or [],
            "error": error,
            "recent": _recent(acting, place),
            "undo_minutes": settings.PASSNUM_UNDO_MINUTES,
            "config": _config(request, place, offers),
            **offline_context(acting, place),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def scan(request: HttpRequest, place_id: int) -> HttpResponse:
    """GET: the form. POST with `action=check`: the passes' checks (the page without
    JavaScript); otherwise the payment, then its result page."""
    acting = acting_as(request, PROVIDER)
    place = scoped(place_of, acting=acting, place_id=place_id)
    offers = _offers(place)
    if request.method != "POST":
        initial = {"idempotency_key": new_idempotency_key()}
        form = ScanForm(initial=initial, offers=offers)
        return _scan_page(request, acting, place, offers, form)

    form = ScanForm(request.POST, offers=offers)
    if not form.is_valid():
        return _scan_page(request, acting, place, offers, form, status=400)
    offer = form.offer()
    codes: list[str] = form.cleaned_data["codes"]
    try:
        if request.POST.get("action") == "check":
            count_code_checks(request, acting, amount=len(codes))
            checks = _checked(
                acting=acting,
                place=place,
                service=offer.service,
                price_cents=offer.price_cents,
                codes=codes,
            )
            return _scan_page(request, acting, place, offers, form, checks=checks)
        return _redeem(
            request, acting, place_id, offer, codes, form.cleaned_data["idempotency_key"]
        )
    except RedemptionRefused as refused:
        lines, general = _refused_lines(codes, refused)
        return _scan_page(
            request, acting, place, offers, form, refused=lines, general=general, status=400
        )
    except IdempotencyKeyReused as exc:
        # The form was sent before with other passes (a page kept from an earlier payment):
        # a new key for this one.
        data = request.POST.copy()
        data["idempotency_key"] = new_idempotency_key()
        form = ScanForm(data, offers=offers)
        form.is_valid()
        return _scan_page(request, acting, place, offers, form, error=str(exc), status=409)
    except TooManyCodeChecks as exc:
        response = _scan_page(request, acting, place, offers, form, error=str(exc), status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        return _scan_page(request, acting, place, offers, form, error=str(exc), status=400)


def _redeem(
    request: HttpRequest,
    acting: Acting,
    place_id: int,
    offer: ServiceOffer,
    codes: list[str],
    key: str,
) -> HttpResponse:
    try:
        result = redeem_passes(
            acting=acting,
            place=place_for_redemption(acting=acting, place_id=place_id),
            service=offer.service,
            price_cents=offer.price_cents,
            codes=codes,
            idempotency_key=key,
        )
    except RedemptionRefused as refused:
        unknown = sum(1 for d in refused.details if d.get("code") == Reason.UNKNOWN_PASS)
        if unknown:
            count_code_checks(request, acting, amount=unknown)
        raise
    if result.replayed:
        messages.info(
            request,
            _("Ce paiement était déjà enregistré : aucun pass n'a été utilisé deux fois."),
        )
    return redirect("scan:result", place_id=place_id, redemption_id=result.redemption.pk)


# --- The live check of one code (the page's script) --------------------------------------------


@require_GET
@login_required
def check(request: HttpRequest, place_id: int) -> JsonResponse:
    """One pass as `check_pass` sees it at this place, for the service asked (at the place's
    price for it): JSON for the page's script."""
    acting = acting_as(request, PROVIDER)
    place = scoped(place_for_redemption, acting=acting, place_id=place_id)
    raw = request.GET.get("code", "")[:200]
    service = None
    price_cents = None
    if code := request.GET.get("service", "")[:50]:
        try:
            service = get_service(code=code)
        except UnknownService:
            service = None
        else:
            price_cents = offer_prices(place).get(service.pk)
    try:
        count_code_checks(request, acting)
    except TooManyCodeChecks as exc:
        response = JsonResponse({"message": str(exc)}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    result = selectors.check_pass(
        acting=acting,
        raw_code=code_from_scan(raw),
        place=place,
        service=service,
        price_cents=price_cents,
    )
    line = _line(result)
    return JsonResponse(
        {
            "code": line.code,
            "known": result.known,
            "status": line.status,
            "face_value_cents": result.face_value_cents,
            "value": line.value,
            "expires_on": line.expires_on,
            "usable": result.usable,
            "reasons": line.reasons,
        }
    )


# --- A payment's result, and undoing it --------------------------------------------------------


def _redemption_at(acting: Acting, place: Place, redemption_id: int) -> Redemption:
    redemption = scoped(selectors.redemption_for, acting=acting, redemption_id=redemption_id)
    if redemption.place_id != place.pk:
        raise Http404
    return redemption


@require_GET
@login_required
def result(request: HttpRequest, place_id: int, redemption_id: int) -> HttpResponse:
    acting = acting_as(request, PROVIDER)
    place = scoped(place_of, acting=acting, place_id=place_id)
    redemption = _redemption_at(acting, place, redemption_id)
    delay = datetime.timedelta(minutes=settings.PASSNUM_UNDO_MINUTES)
    return render(
        request,
        "www/scan/result.html",
        {
            "place": place,
            "redemption": redemption,
            "passes": [
                {"code": pass_codes.display(code), "serial": serial, "value": format_euros(face)}
                for code, serial, face in selectors.passes_of(redemption)
            ],
            "price": format_euros(redemption.price_cents),
            "amount": format_euros(redemption.amount_cents),
            "complement": redemption.complement_cents,
            "complement_text": format_euros(redemption.complement_cents),
            "undoable": redemption.undone_at is None
            and timezone.now() - redemption.created_at <= delay,
            "undo_until": redemption.created_at + delay,
            "undo_minutes": settings.PASSNUM_UNDO_MINUTES,
        },
    )


@require_POST
@login_required
def undo(request: HttpRequest, place_id: int, redemption_id: int) -> HttpResponse:
    acting = acting_as(request, PROVIDER)
    place = scoped(place_of, acting=acting, place_id=place_id)
    redemption = _redemption_at(acting, place, redemption_id)
    try:
        undo_redemption(acting=acting, redemption=redemption)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Paiement annulé : ses pass peuvent de nouveau être utilisés."))
    if request.POST.get("back") == "list":
        return redirect(reverse("scan:scan", kwargs={"place_id": place.pk}) + "#recent")
    return redirect("scan:result", place_id=place.pk, redemption_id=redemption.pk)
