"""The scanning page without network (issue #9, docs/offline.md).

- `/scanner/sw.js`: the service worker (scope `/scanner/`) that keeps the page, its scripts and
  styles in the browser's cache, so the page opens and scans without network;
- `/scanner/<place>/hors-ligne/`: what the page needs before sending its queue (its allowance
  for the day, a fresh CSRF token), JSON;
- `/scanner/<place>/hors-ligne/envoyer/`: the queue, POSTed as JSON, answered per scan;
- `/hors-ligne/conflits/`: operator staff's list of passes used twice, offline at one place.

The page checks each pass's signature itself with the instance's public key, embedded in it
(`offline_config`); the server checks it again (`redemptions/offline.py`).
"""

import datetime
import hashlib
import json
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core import signing
from passnum.core.money import format_euros
from passnum.core.text import has_forbidden_characters
from passnum.passes import codes as pass_codes
from passnum.places.models import Place
from passnum.places.selectors import place_for_redemption, place_of
from passnum.redemptions import offline
from passnum.redemptions.models import OfflineOutcome
from passnum.www.distribution.common import acting_as, page_of, scoped
from passnum.www.sponsor.common import operator_page

PROVIDER = OrganisationKind.PROVIDER
KEY = re.compile(r"^[\x21-\x7e]{8,92}$")  # the redemption's key adds "offline-": 100 at most
MAX_QR_LENGTH = 500

# What the worker keeps from its install on; the page adds what it loaded (fonts, icons).
PRECACHE = [
    "dsfr/dist/dsfr/dsfr.min.css",
    "dsfr/dist/utility/utility.min.css",
    "css/dsfr-django-overrides.css",
    "dsfr/dist/dsfr/dsfr.module.min.js",
    "passnum/scan.css",
    "passnum/scan.js",
    "passnum/scan-offline.js",
    "vendor/zxing/zxing.min.js",
]


def _state(place: Place) -> dict[str, Any]:
    today = timezone.localdate()
    limit = offline.allowance()
    used = offline.offline_used(place=place, day=today)
    return {
        "allowance": limit,
        "used": used,
        "day": today.isoformat(),
        "asOf": timezone.now().isoformat(),
    }


def offline_config(request: HttpRequest, place: Place) -> dict[str, Any]:
    """What the page's offline script needs, its texts translated here."""
    jwk = signing.public_jwk()
    return {
        **_state(place),
        "place": place.pk,
        "worker": reverse("scan:worker"),
        "stateUrl": reverse("scan:offline_state", kwargs={"place_id": place.pk}),
        "syncUrl": reverse("scan:offline_sync", kwargs={"place_id": place.pk}),
        "key": {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"]},
        "texts": {
            "offline": _(
                "Vous êtes hors ligne. Seuls les pass dont le code QR porte une signature valide "
                "sont acceptés : ils sont mis en attente et seront envoyés au retour du réseau."
            ),
            "ready": _("Cette page reste utilisable sans réseau sur cet appareil."),
            "remaining": _("Hors ligne, ce lieu peut encore accepter %(count)s pass aujourd'hui."),
            "pending": _("Pass en attente d'envoi : %(count)s, pour %(value)s."),
            "none": _("Aucun pass en attente d'envoi."),
            "queued": _(
                "Pass mis en attente : %(code)s, %(value)s. Il sera envoyé au retour du réseau."
            ),
            "already": _("Ce pass est déjà dans la file d'attente : %(code)s."),
            "noService": _("Choisissez d'abord le service rendu."),
            "unsigned": _(
                "Hors ligne, seul le code QR d'un pass imprimé peut être accepté (un code tapé ne "
                "peut pas être vérifié) : ce pass n'est pas accepté pour le moment."
            ),
            "forged": _(
                "La signature de ce code QR n'est pas valide : ce pass n'est pas accepté hors ligne."
            ),
            "expired": _("Ce pass a expiré le %(date)s : il n'est pas accepté."),
            "allowance": _(
                "Limite atteinte : ce lieu ne peut plus accepter de pass hors ligne aujourd'hui "
                "(%(limit)s au plus). Attendez le retour du réseau."
            ),
            "noCrypto": _(
                "Ce navigateur ne sait pas vérifier les signatures : aucun pass ne peut être "
                "accepté hors ligne."
            ),
            "sending": _("Envoi des pass en attente…"),
            "sent": _("Envoi terminé. Pass utilisés : %(redeemed)s ; non payés : %(refused)s."),
            "conflicts": _(
                "Attention, pass déjà utilisés avant cet envoi : %(count)s. Ils ne sont pas "
                "payés à ce lieu : la première utilisation enregistrée est celle qui est payée."
            ),
            "login": _(
                "Impossible d'envoyer les pass en attente : reconnectez-vous, ils restent en "
                "attente sur cet appareil."
            ),
            "failed": _(
                "L'envoi n'a pas abouti : les pass restent en attente, réessayez dans un moment."
            ),
            "waiting": _("En attente"),
            "outcomes": {choice.value: str(choice.label) for choice in OfflineOutcome},
            "cleared": _("Les pass envoyés ont été retirés de la liste."),
        },
    }


@require_GET
def worker(request: HttpRequest) -> HttpResponse:
    """The service worker's script, public (it holds only the addresses of static files). Its
    version changes with them, so a new deployment replaces the cache."""
    precache = [static(path) for path in PRECACHE]
    source = get_template("www/scan/sw.js").template.source  # type: ignore[attr-defined]
    version = hashlib.sha256((source + "|".join(precache)).encode()).hexdigest()[:16]
    response = render(
        request,
        "www/scan/sw.js",
        {
            "settings": json.dumps(
                {
                    "version": version,
                    "precache": precache,
                    "staticPrefix": static(""),
                    "logout": reverse("logout"),
                }
            )
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@login_required
def offline_state(request: HttpRequest, place_id: int) -> JsonResponse:
    """The place's allowance for today and a fresh CSRF token: what the page asks before
    sending its queue (and how it learns it is still signed in)."""
    acting = acting_as(request, PROVIDER)
    place = scoped(place_of, acting=acting, place_id=place_id)
    response = JsonResponse({**_state(place), "csrf": get_token(request)})
    response["Cache-Control"] = "no-store"
    return response


def _parsed(item: Any) -> offline.QueuedScan | None:
    if not isinstance(item, dict):
        return None
    key, service, qr, when = (item.get(name) for name in ("key", "service", "qr", "scanned_at"))
    if not (
        isinstance(key, str)
        and isinstance(service, str)
        and isinstance(qr, str)
        and isinstance(when, str)
    ):
        return None
    if not KEY.match(key) or len(service) > 50 or not qr or len(qr) > MAX_QR_LENGTH:
        return None
    if has_forbidden_characters(qr) or has_forbidden_characters(service):
        return None  # NUL, lone surrogates…: the database would fail on them
    try:
        scanned_at = datetime.datetime.fromisoformat(when)
        if timezone.is_naive(scanned_at):
            return None
        timezone.localtime(scanned_at)  # year 1 or 9999 with an offset overflows
    except (ValueError, OverflowError):
        return None
    return offline.QueuedScan(key=key, service_code=service, qr=qr, scanned_at=scanned_at)


@require_POST
@login_required
def offline_sync(request: HttpRequest, place_id: int) -> JsonResponse:
    """The page's queue, `{"scans": [{"key", "service", "qr", "scanned_at"}, …]}` (at most
    MAX_SCANS_PER_SYNC): one answer per scan, and the allowance after it."""
    acting = acting_as(request, PROVIDER)
    place = scoped(place_for_redemption, acting=acting, place_id=place_id)
    try:
        body = json.loads(request.body)
        items = body["scans"]
    except (ValueError, KeyError, TypeError, RecursionError):  # "[[[[…" nests too deep
        items = None
    if not isinstance(items, list) or len(items) > offline.MAX_SCANS_PER_SYNC:
        return JsonResponse(
            {
                "message": _("Envoi illisible : au plus %(max)s scans, au format attendu.")
                % {"max": offline.MAX_SCANS_PER_SYNC}
            },
            status=400,
        )
    scans = [_parsed(item) for item in items]
    if any(scan is None for scan in scans):
        return JsonResponse({"message": _("Un scan de l'envoi est illisible.")}, status=400)
    answers = offline.sync_offline_scans(
        acting=acting, place=place, scans=[scan for scan in scans if scan is not None]
    )
    return JsonResponse(
        {
            "results": [
                {
                    "key": answer.key,
                    "outcome": answer.outcome,
                    "label": str(OfflineOutcome(answer.outcome).label),
                    "message": " ".join(answer.messages),
                    "code": answer.code,
                    "value": format_euros(answer.face_value_cents)
                    if answer.face_value_cents
                    else "",
                }
                for answer in answers
            ],
            "state": _state(place),
        }
    )


# --- What the scanning page shows of offline scans ---------------------------------------------


def offline_context(acting: Acting, place: Place) -> dict[str, Any]:
    """The place's last offline scans as received (the place that scanned them), and its
    payments whose pass was presented offline after (the place paid)."""
    return {
        "offline_scans": [
            {
                "scan": scan,
                "code": pass_codes.display(scan.code),
                "value": format_euros(scan.face_value_cents) if scan.face_value_cents else "",
                "label": OfflineOutcome(scan.outcome).label,
                "reasons": " ".join(reason["message"] for reason in scan.reasons),
            }
            for scan in offline.offline_scans_at(acting=acting, place=place)
        ],
        "presented_elsewhere": offline.presented_offline_after(acting=acting, place=place),
    }


# --- Operator staff ----------------------------------------------------------------------------


@require_GET
@operator_page
def conflicts(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Every pass presented offline at one place after another redemption was recorded: which
    place was paid, which was not."""
    found = offline.offline_conflicts(acting=acting)
    page = page_of(request, found)
    return render(
        request,
        "www/scan/conflicts.html",
        {
            "page": page,
            "rows": [
                {
                    "scan": scan,
                    "code": pass_codes.display(scan.code),
                    "value": format_euros(scan.face_value_cents) if scan.face_value_cents else "–",
                }
                for scan in page.object_list
            ],
        },
    )
