"""Operator staff: the anomalies of the last 7 or 30 days (`redemptions/anomalies.py`), each
with the scans behind it, and the list as CSV. Anyone else logged in gets a 403."""

import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.dashboards.exports import csv_response
from passnum.dashboards.tables import Column, Kind, Table
from passnum.redemptions import anomalies as found_anomalies
from passnum.redemptions.anomalies import LOOKBACK_DAYS, SCANS_SHOWN, WINDOWS, Anomaly
from passnum.redemptions.enums import AnomalyKind
from passnum.www.sponsor.common import operator_page

# The kinds in URLs, in French.
SLUGS = {
    AnomalyKind.VELOCITY: "rythme",
    AnomalyKind.WHOLE_BOOKLET: "carnet",
    AnomalyKind.PLACE_REFUSALS: "refus-lieu",
    AnomalyKind.MEMBER_REFUSALS: "refus-membre",
}
KINDS = {slug: kind for kind, slug in SLUGS.items()}
BADGES = {
    AnomalyKind.VELOCITY: "fr-badge--warning",
    AnomalyKind.WHOLE_BOOKLET: "fr-badge--new",
    AnomalyKind.PLACE_REFUSALS: "fr-badge--error",
    AnomalyKind.MEMBER_REFUSALS: "fr-badge--error",
}


def _days(request: HttpRequest) -> int:
    value = request.GET.get("jours", "")
    return int(value) if value in {str(days) for days in WINDOWS} else WINDOWS[0]


def _member_name(anomaly: Anomaly) -> str:
    if anomaly.member is None:
        return ""
    return anomaly.member.get_full_name() or anomaly.member.email


def _subject(anomaly: Anomaly) -> str:
    """What the anomaly is about, in words."""
    if anomaly.kind == AnomalyKind.MEMBER_REFUSALS:
        return _member_name(anomaly) or _("membre supprimé")
    return anomaly.place.name if anomaly.place else "–"


def figures(anomaly: Anomaly) -> str:
    """The anomaly's figures in one sentence."""
    if anomaly.kind == AnomalyKind.VELOCITY:
        if anomaly.average is None:
            usual = _("aucun pass les %(days)s jours précédents") % {"days": LOOKBACK_DAYS}
        else:
            usual = _(
                "moyenne de %(average)s pass par jour d'activité (%(active)s jours sur les "
                "%(days)s précédents)"
            ) % {
                "average": formats.number_format(anomaly.average, 1),
                "active": anomaly.active_days,
                "days": LOOKBACK_DAYS,
            }
        return _("%(passes)s pass utilisés, au-delà du seuil de %(threshold)s ; %(usual)s.") % {
            "passes": anomaly.passes,
            "threshold": anomaly.threshold,
            "usual": usual,
        }
    if anomaly.kind == AnomalyKind.WHOLE_BOOKLET:
        number = anomaly.booklet.number if anomaly.booklet else anomaly.subject_id
        return _("Les %(passes)s pass du carnet n° %(number)s utilisés dans ce lieu.") % {
            "passes": anomaly.passes,
            "number": number,
        }
    return _("%(refusals)s paiements refusés (seuil : %(threshold)s). Motifs : %(reasons)s.") % {
        "refusals": anomaly.refusals,
        "threshold": anomaly.threshold,
        "reasons": anomaly.reasons_text,
    }


def _row(anomaly: Anomaly) -> dict[str, object]:
    return {
        "anomaly": anomaly,
        "label": AnomalyKind(anomaly.kind).label,
        "badge": BADGES[anomaly.kind],
        "subject": _subject(anomaly),
        "organisations": ", ".join(org.name for org in anomaly.organisations),
        "figures": figures(anomaly),
        "slug": SLUGS[anomaly.kind],
        "day_iso": anomaly.day.isoformat(),
    }


@require_GET
@operator_page
def anomaly_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    days = _days(request)
    found = found_anomalies.anomalies(acting=acting, days=days)
    first, last = found_anomalies.window(days)
    return render(
        request,
        "www/anomalies/list.html",
        {
            "rows": [_row(anomaly) for anomaly in found],
            "days": days,
            "windows": WINDOWS,
            "first": first,
            "last": last,
        },
    )


EXPORT_COLUMNS = [
    Column(gettext_lazy("Jour")),
    Column(gettext_lazy("Type")),
    Column(gettext_lazy("Lieu")),
    Column(gettext_lazy("Organisation")),
    Column(gettext_lazy("Membre")),
    Column(gettext_lazy("Carnet")),
    Column(gettext_lazy("Pass utilisés"), Kind.COUNT),
    Column(gettext_lazy("Seuil"), Kind.COUNT),
    Column(gettext_lazy("Moyenne par jour d'activité (30 jours avant)")),
    Column(gettext_lazy("Paiements refusés"), Kind.COUNT),
    Column(gettext_lazy("Motifs")),
]


@require_GET
@operator_page
def anomaly_export(request: HttpRequest, acting: Acting) -> HttpResponseBase:
    """The anomalies of the window as CSV (`;`, UTF-8 with a BOM, like the dashboards')."""
    days = _days(request)
    found = found_anomalies.anomalies(acting=acting, days=days)
    table = Table(
        slug="anomalies",
        title=gettext_lazy("Anomalies"),
        columns=EXPORT_COLUMNS,
        rows=[
            [
                anomaly.day.isoformat(),
                str(AnomalyKind(anomaly.kind).label),
                anomaly.place.name if anomaly.place else "",
                ", ".join(org.name for org in anomaly.organisations),
                _member_name(anomaly),
                anomaly.booklet.number if anomaly.booklet else "",
                anomaly.passes
                if anomaly.kind in (AnomalyKind.VELOCITY, AnomalyKind.WHOLE_BOOKLET)
                else None,
                anomaly.threshold if anomaly.kind != AnomalyKind.WHOLE_BOOKLET else None,
                str(anomaly.average).replace(".", ",") if anomaly.average is not None else "",
                anomaly.refusals
                if anomaly.kind in (AnomalyKind.PLACE_REFUSALS, AnomalyKind.MEMBER_REFUSALS)
                else None,
                anomaly.reasons_text,
            ]
            for anomaly in found
        ],
    )
    return csv_response(table, f"anomalies-{days}-jours-{timezone.localdate().isoformat()}")


def _reasons_of(scan: object) -> str:
    codes = getattr(scan, "reasons", None) or []
    return ", ".join(found_anomalies.reason_label(code) for code in codes)


@require_GET
@operator_page
def anomaly_detail(
    request: HttpRequest, acting: Acting, kind: str, subject_id: int, day: str
) -> HttpResponse:
    """One anomaly, with the scans behind it (404 if that day raised no such anomaly)."""
    try:
        on = datetime.date.fromisoformat(day)
        anomaly = found_anomalies.anomaly_for(
            acting=acting, kind=KINDS[kind], subject_id=subject_id, day=on
        )
    except (KeyError, ValueError, OverflowError, NotFound) as exc:  # 9999-12-31 overflows
        raise Http404 from exc
    scans = list(found_anomalies.scans_behind(anomaly)[: SCANS_SHOWN + 1])
    refused = anomaly.kind in (AnomalyKind.PLACE_REFUSALS, AnomalyKind.MEMBER_REFUSALS)
    return render(
        request,
        "www/anomalies/detail.html",
        {
            **_row(anomaly),
            "scans": [(scan, _reasons_of(scan) if refused else "") for scan in scans[:SCANS_SHOWN]],
            "more": len(scans) > SCANS_SHOWN,
            "shown": SCANS_SHOWN,
            "refused": refused,
        },
    )
