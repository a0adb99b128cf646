"""Skill badges pages.

For a place's members (provider organisations): its recent redemptions, to award a badge at
one of them (`award_list`, `award`), the badges its places awarded (`awarded`) and one of them
(`manage`: the link for the holder's name, revocation). Operator staff see and revoke any badge.

For everyone, with no account: the printable badge (`badge`), its signed credential (`.jwt`),
the achievement it attests (`achievement`), the verification page (`verify`, for a JWT, a badge
address or id), and the page where the holder adds their name (`name`, from a signed link).
"""

import datetime
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passnum.accounts.enums import OrganisationKind
from passnum.badges import credential, selectors, services
from passnum.badges.models import Badge
from passnum.core.exceptions import DomainError
from passnum.passes.printing.barcodes import qr_svg
from passnum.redemptions.models import Redemption
from passnum.www.distribution.common import acting_as, page_of, scoped

PROVIDER = OrganisationKind.PROVIDER
MANAGERS = (OrganisationKind.PROVIDER, OrganisationKind.OPERATOR)


# --- The place's pages -----------------------------------------------------------------------


@require_GET
@login_required
@never_cache
def award_list(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, PROVIDER)
    redemptions = selectors.redemptions_for_badges(acting=acting)
    return render(
        request,
        "www/badges/award_list.html",
        {"redemptions": redemptions, "days": settings.PASSNUM_BADGE_DAYS},
    )


class AwardForm(forms.Form):
    competence = forms.ChoiceField(
        label=gettext_lazy("Compétence acquise (CRCN)"), widget=forms.RadioSelect
    )
    holder_name = forms.CharField(
        label=gettext_lazy("Nom de la personne"),
        max_length=services.NAME_MAX,
        required=False,
        help_text=gettext_lazy(
            "Seulement si la personne le souhaite et vous le dicte. Elle pourra aussi l'ajouter "
            "plus tard, ou rester anonyme."
        ),
    )

    def __init__(self, *args: Any, redemption: Redemption, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        awarded = {badge.competence_id for badge in redemption.badges.all()}
        self.competences = {
            c.code: c
            for c in redemption.service.competences.order_by("code")
            if c.pk not in awarded
        }
        self.fields["competence"].choices = [  # type: ignore[attr-defined]
            (code, str(c)) for code, c in self.competences.items()
        ]


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def award(request: HttpRequest, redemption_id: int) -> HttpResponse:
    acting = acting_as(request, PROVIDER)
    redemption = scoped(selectors.redemption_for_badge, acting=acting, redemption_id=redemption_id)
    error = ""
    try:
        services.check_award_possible(acting=acting, redemption=redemption)
    except DomainError as exc:
        error = str(exc)
    form = AwardForm(request.POST or None, redemption=redemption)
    if request.method == "POST" and not error and form.is_valid():
        try:
            badge = services.award_badge(
                acting=acting,
                redemption=redemption,
                competence=form.competences[form.cleaned_data["competence"]],
                holder_name=form.cleaned_data["holder_name"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Le badge est attribué."))
            return redirect("badges:manage", public_id=badge.public_id)
    return render(
        request,
        "www/badges/award.html",
        {"redemption": redemption, "form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
@never_cache
def awarded(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, *MANAGERS)
    badges = selectors.awarded_badges(acting=acting)
    return render(
        request,
        "www/badges/awarded.html",
        {"page": page_of(request, badges), "is_operator": acting.kind == OrganisationKind.OPERATOR},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du retrait"),
        max_length=services.REASON_MAX,
        help_text=gettext_lazy("Il est montré à qui vérifie le badge."),
    )


@require_GET
@login_required
@never_cache
def manage(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    acting = acting_as(request, *MANAGERS)
    badge = scoped(selectors.badge_to_manage, acting=acting, public_id=public_id)
    return _manage_page(request, badge, RevokeForm())


def _manage_page(
    request: HttpRequest, badge: Badge, form: RevokeForm, *, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "badge": badge,
        "form": form,
        "problem": selectors.badge_problem(badge),
    }
    if not badge.holder_name and not badge.is_revoked:
        context["name_url"] = services.name_url(badge)
        context["name_qr"] = qr_svg(context["name_url"])
    context.update(_public(badge))
    return render(request, "www/badges/manage.html", context, status=status)


@require_POST
@login_required
def revoke(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    acting = acting_as(request, *MANAGERS)
    badge = scoped(selectors.badge_to_manage, acting=acting, public_id=public_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_badge(acting=acting, badge=badge, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Le badge est retiré : il ne passe plus la vérification."))
            return redirect("badges:manage", public_id=badge.public_id)
    return _manage_page(request, badge, form, status=400)


# --- Public pages --------------------------------------------------------------------------------


def _public_badge(public_id: uuid.UUID) -> Badge:
    return scoped(selectors.public_badge, public_id=public_id)


def verify_path(badge: Badge) -> str:
    return reverse("badges:verify") + "?" + urlencode({"badge": str(badge.public_id)})


def _public(badge: Badge) -> dict[str, Any]:
    """What the public pages show of a badge (links relative to the page; the QR code holds the
    site's address)."""
    return {
        "jwt_path": reverse("badges:jwt", kwargs={"public_id": badge.public_id}),
        "verify_path": verify_path(badge),
        "place_path": reverse("public_place", kwargs={"standard_id": badge.place.standard_id}),
    }


@require_GET
def badge(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The printable badge: name (or anonymous), competence, place, date, and a QR code of its
    verification page."""
    found = _public_badge(public_id)
    context = {"badge": found, "problem": selectors.badge_problem(found), **_public(found)}
    context["qr"] = qr_svg(credential.site() + context["verify_path"], size=160)
    return render(request, "www/badges/badge.html", context)


@require_GET
def credential_jwt(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The signed credential (VC-JWT), as a file a wallet or a verifier takes."""
    found = _public_badge(public_id)
    response = HttpResponse(credential.sign_badge(found), content_type=credential.MEDIA_TYPE)
    response["Content-Disposition"] = f'inline; filename="badge-{found.public_id}.jwt"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def achievement(request: HttpRequest, code: str) -> HttpResponse:
    """The achievement a badge aligns with: one CRCN competence."""
    competence = scoped(selectors.achievement, code=code)
    return render(request, "www/badges/achievement.html", {"competence": competence})


class VerifyForm(forms.Form):
    badge = forms.CharField(
        label=gettext_lazy("Le badge à vérifier"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Collez le badge signé (le contenu du fichier .jwt), l'adresse du badge ou son "
            "identifiant."
        ),
    )


def check_badge(text: str) -> dict[str, Any]:
    """What the verification page says of `text` (a JWT, a badge's address or id)."""
    text = text.strip()
    badge: Badge | None = None
    if credential.JWT_SHAPE.match(text):
        checked = credential.verify_jwt(text)
    else:
        badge = selectors.find_badge(credential.public_id_in(text))
        if badge is None:
            return {
                "valid": False,
                "problems": [_("Aucun badge ne correspond à cette adresse ou à cet identifiant.")],
            }
        checked = credential.verify_jwt(credential.sign_badge(badge))
    problems = list(checked.problems)
    claims = checked.credential
    if claims is not None and not problems:
        badge = badge or selectors.find_badge(credential.public_id_in(str(claims.get("id", ""))))
        if badge is None:
            problems.append(
                _("Ce badge est signé par cette plateforme mais elle ne le connaît pas.")
            )
        else:
            problem = selectors.badge_problem(badge)
            if problem:
                problems.append(problem)
    return {
        "valid": claims is not None and not problems,
        "problems": problems,
        "attests": _attests(claims) if claims is not None else None,
        "badge_url": claims.get("id") if claims else None,
    }


def _attests(claims: dict[str, Any]) -> dict[str, Any]:
    """What a credential says, from its signed content (not from the database)."""
    subject = claims.get("credentialSubject") or {}
    achievement_ = subject.get("achievement") or {}
    names = [
        entry.get("identityHash")
        for entry in subject.get("identifier") or []
        if isinstance(entry, dict) and entry.get("identityType") == "name"
    ]
    alignment = (achievement_.get("alignment") or [{}])[0]
    issuer = claims.get("issuer") or {}
    valid_from = claims.get("validFrom", "")
    try:
        awarded_on = datetime.datetime.strptime(valid_from, "%Y-%m-%dT%H:%M:%SZ").date()
    except ValueError:
        awarded_on = None
    return {
        "holder": names[0] if names else "",
        "competence": achievement_.get("name", ""),
        "framework": alignment.get("targetFramework", ""),
        "narrative": subject.get("narrative", ""),
        "issuer": issuer.get("name", "") if isinstance(issuer, dict) else issuer,
        "awarded_on": awarded_on,
    }


@require_GET
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET if "badge" in request.GET else None)
    result = check_badge(form.cleaned_data["badge"]) if form.is_valid() else None
    return render(request, "www/badges/verify.html", {"form": form, "result": result})


class NameForm(forms.Form):
    holder_name = forms.CharField(
        label=gettext_lazy("Votre nom, tel qu'il figurera sur le badge"),
        max_length=services.NAME_MAX,
    )


@require_http_methods(["GET", "POST"])
@never_cache
def name(request: HttpRequest, token: str) -> HttpResponse:
    """The holder adds their name, from the link the place gave them."""
    try:
        found = services.badge_of_name_token(token[:300])
    except DomainError as exc:
        return render(request, "www/badges/name.html", {"error": str(exc)}, status=404)
    form = NameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.name_badge(badge=found, holder_name=form.cleaned_data["holder_name"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("badges:badge", public_id=found.public_id)
    done = bool(found.holder_name) or found.is_revoked
    return render(
        request,
        "www/badges/name.html",
        {"badge": found, "form": form, "done": done},
        status=400 if form.errors else 200,
    )
