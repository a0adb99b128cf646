"""How a place's details read in plain French, wherever they are shown (the public pages, the
cover letter of a booklet): phone numbers, durations, and opening hours given in the
OpenStreetMap syntax of the national standard."""

import re

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def format_phone(value: str) -> str:
    """'+33556123456' (the stored, national-standard form) → '05 56 12 34 56'; others as is."""
    if re.fullmatch(r"\+33\d{9}", value):
        digits = "0" + value[3:]
        return " ".join(digits[index : index + 2] for index in range(0, 10, 2))
    return value


def format_duration(minutes: int) -> str:
    """45 → '45 min', 60 → '1 h', 90 → '1 h 30'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}


# --- Opening hours: the common subset of the OpenStreetMap syntax, in plain French -------------

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = (
    gettext_lazy("lundi"),
    gettext_lazy("mardi"),
    gettext_lazy("mercredi"),
    gettext_lazy("jeudi"),
    gettext_lazy("vendredi"),
    gettext_lazy("samedi"),
    gettext_lazy("dimanche"),
)
_RULE_RE = re.compile(
    r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:[-,](?:Mo|Tu|We|Th|Fr|Sa|Su|PH))*)\s+(?P<times>.+)$"
)
_TIME_RANGE_RE = re.compile(r"^(?P<start>\d\d:\d\d)-(?P<end>\d\d:\d\d)$")
_TIME_RE = re.compile(r"^(?P<hour>[01]\d|2[0-4]):(?P<minute>[0-5]\d)$")


def opening_hours_in_french(value: str) -> list[str] | None:
    """'Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00' →
    ['Du lundi au vendredi : de 9 h à 12 h et de 14 h à 18 h', 'Le samedi : de 9 h à 12 h'].

    Covers rules `<days> <time ranges>`, `<days> off` and `<time ranges>` (every day), days as
    single days, ranges and lists (Mo-We,Fr), PH (public holidays) and 24/7. Anything else gives None: show the raw string.
    """
    text = value.strip()
    if not text:
        return None
    if text == "24/7":
        return [_("Ouvert 24 h sur 24, 7 jours sur 7")]
    lines = []
    for rule in (part.strip() for part in text.split(";")):
        if not rule:
            continue
        match = _RULE_RE.match(rule)
        if match is not None:
            days, hours = _describe_days(match["days"]), _describe_hours(match["times"].strip())
        else:  # times alone: every day
            days, hours = _("tous les jours"), _describe_hours(rule)
        if days is None or hours is None:
            return None
        line = _("%(days)s : %(hours)s")  # a no-break space, French style
        lines.append(capfirst(line % {"days": days, "hours": hours}))
    return lines or None


def _describe_days(spec: str) -> str | None:
    parts = []
    for item in spec.split(","):
        if item == "PH":
            parts.append(_("les jours fériés"))
            continue
        first, _dash, last = item.partition("-")
        if "PH" in (first, last):
            return None
        if not last:
            parts.append(_("le %(day)s") % {"day": DAY_NAMES[DAY_CODES.index(first)]})
            continue
        start, end = DAY_CODES.index(first), DAY_CODES.index(last)
        if end <= start:
            return None
        parts.append(
            _("du %(first)s au %(last)s") % {"first": DAY_NAMES[start], "last": DAY_NAMES[end]}
        )
    return _join(parts)


def _describe_hours(spec: str) -> str | None:
    if spec in {"off", "closed"}:
        return _("fermé")
    ranges = []
    for item in spec.split(","):
        match = _TIME_RANGE_RE.match(item.strip())
        if match is None:
            return None
        start, end = _describe_time(match["start"]), _describe_time(match["end"])
        if start is None or end is None or match["start"] >= match["end"]:
            return None
        ranges.append(_("de %(start)s à %(end)s") % {"start": start, "end": end})
    return _join(ranges)


def _describe_time(value: str) -> str | None:
    match = _TIME_RE.match(value)
    if match is None or (match["hour"] == "24" and match["minute"] != "00"):
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if minute:
        return _("%(hour)s h %(minute)02d") % {"hour": hour, "minute": minute}
    return _("%(hour)s h") % {"hour": hour}


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("%(items)s et %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}
