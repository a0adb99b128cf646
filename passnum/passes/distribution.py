"""Distribution (SPEC §3.4): a sponsor assigns booklets of its paid orders to the distributors it
works with, and takes back those nobody has handed out; a distributor records each hand-out to a
beneficiary. Pseudonymous references are erased after a retention period.

The current holder is `Booklet.distributor`, changed only here, by conditional UPDATEs over
booklet-number ranges (never a loop over booklets), each move logged in `BookletAssignment`.
Assignments and withdrawals of one order are serialised by a lock on the order's row; a hand-out
locks exactly the booklets it records, so a withdrawal and a hand-out of the same booklet never
both succeed.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation, Partnership
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.core.text import has_forbidden_characters
from passnum.orders.enums import OrderStatus, TargetPublic
from passnum.orders.models import Order
from passnum.passes.enums import AssignmentKind, BookletState, PassStatus
from passnum.passes.exceptions import (
    BookletsHandedOut,
    BookletsNotInStock,
    DistributionStopped,
    HandOutRefused,
    InvalidBookletRange,
    NotDistributable,
    NotEnoughStock,
    NothingToWithdraw,
)
from passnum.passes.models import Booklet, BookletAssignment, HandOut, Pass
from passnum.passes.states import with_states

MAX_BOOKLETS = 100_000  # booklets in one assignment, withdrawal or hand-out operation
REFERENCE_MAX_LENGTH = 40


# --- Which booklets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookletNumbers:
    """Booklets numbered `first` to `last` (all of one order)."""

    first: int
    last: int


@dataclass(frozen=True)
class SerialRange:
    """The booklets whose passes are serials `first` to `last`: whole booklets only."""

    first: int
    last: int


@dataclass(frozen=True)
class NextInStock:
    """The `count` lowest-numbered booklets of the order still in stock, every pass unused."""

    count: int


BookletSelection = BookletNumbers | SerialRange | NextInStock

HANDOUT_PUBLICS = tuple(value for value in TargetPublic.values if value != TargetPublic.ALL)


def distribution_stop_date(order: Order) -> datetime.date:
    """Last day booklets of `order` may be handed out (SPEC §3.7: J-15 before validity end)."""
    return order.valid_until - datetime.timedelta(days=settings.PASSNUM_DISTRIBUTION_STOP_DAYS)


def handout_publics() -> list[tuple[str, Any]]:
    """The public categories a hand-out may record, (value, label)."""
    return [(value, label) for value, label in TargetPublic.choices if value != TargetPublic.ALL]


# --- Sponsor: assign and withdraw --------------------------------------------------------------


def assign_booklets(
    *, acting: Acting, order: Order, distributor: Organisation, selection: BookletSelection
) -> int:
    """Give booklets of one of the acting sponsor's paid orders to one of its distributors;
    all of them or none. Returns how many booklets were assigned.

    Booklets must be in the sponsor's stock (withdraw them first to give them to another
    distributor). A few queries whatever the number of booklets.
    """
    _require_own_order(acting, order)
    if (
        distributor.kind != OrganisationKind.DISTRIBUTOR
        or not Partnership.objects.filter(
            sponsor=acting.organisation, distributor=distributor
        ).exists()
    ):
        raise NotFound()
    now = timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _require_distributable(locked, today=timezone.localdate(now))
        in_stock = Booklet.objects.filter(order=locked, distributor__isnull=True)
        if isinstance(selection, NextInStock):
            numbers = _next_in_stock(locked, selection.count)
            runs = _runs(numbers)
            # Still fresh when written: a pass may be used or blocked meanwhile (neither locks
            # the order), and then nothing is written.
            targets = _number_chunks(_fresh(in_stock), numbers)
        else:
            first, last = _numbers_of(locked, selection)
            held = Booklet.objects.filter(
                order=locked, number__gte=first, number__lte=last, distributor__isnull=False
            ).count()
            if held:
                raise BookletsNotInStock(count=held)
            targets = [in_stock.filter(number__gte=first, number__lte=last)]
            runs = [(first, last)]
        expected = sum(last - first + 1 for first, last in runs)
        updated = sum(chunk.update(distributor=distributor, assigned_at=now) for chunk in targets)
        if updated != expected:  # a booklet was spent or taken meanwhile: write nothing
            raise NotEnoughStock(available=updated)
        _log(
            acting=acting,
            order=locked,
            kind=AssignmentKind.ASSIGN,
            runs=[(first, last, None, distributor.pk) for first, last in runs],
        )
    return expected


def withdraw_booklets(
    *,
    acting: Acting,
    order: Order,
    selection: BookletNumbers | SerialRange,
    distributor: Organisation | None = None,
) -> int:
    """Take booklets of the range back from their distributors (only from `distributor` if
    given) into the sponsor's stock; refused, for all of them, if one was handed out. Returns
    how many booklets came back."""
    _require_own_order(acting, order)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        first, last = _numbers_of(locked, selection)
        held = Booklet.objects.filter(
            order=locked, number__gte=first, number__lte=last, distributor__isnull=False
        )
        if distributor is not None:
            held = held.filter(distributor=distributor)
        # Lock them first: a hand-out being recorded finishes before, or sees them gone.
        rows = list(
            held.select_for_update().order_by("number").values_list("number", "distributor_id")
        )
        if not rows:
            raise NothingToWithdraw()
        handed_out = list(
            HandOut.objects.filter(booklet__in=held)
            .order_by("booklet__number")
            .values_list("booklet__number", flat=True)
        )
        if handed_out:
            shown = ", ".join(str(number) for number in handed_out[:10])
            raise BookletsHandedOut(
                count=len(handed_out), numbers=shown + ("…" if len(handed_out) > 10 else "")
            )
        updated = held.update(distributor=None, assigned_at=None)
        assert updated == len(rows)
        _log(
            acting=acting,
            order=locked,
            kind=AssignmentKind.WITHDRAW,
            runs=[(a, b, holder, None) for a, b, holder in _holder_runs(rows)],
        )
    return len(rows)


# --- Distributor: hand-outs ----------------------------------------------------------------------


@dataclass(frozen=True)
class HandOutLine:
    """One booklet handed out (a form, or a line of a CSV file: `line` is its number)."""

    booklet_number: int
    handed_out_on: datetime.date
    public: str
    reference: str = ""
    line: int | None = None


@dataclass(frozen=True)
class LineError:
    line: int | None
    booklet_number: int | None
    code: str
    message: str

    def as_detail(self) -> dict:
        return {
            "line": self.line,
            "booklet": self.booklet_number,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class HandOutReport:
    """What a batch recorded, and one error per line left out (nothing written for it)."""

    recorded: int = 0
    errors: list[LineError] = field(default_factory=list)


def record_handout(
    *,
    acting: Acting,
    booklet_number: int,
    handed_out_on: datetime.date,
    public: str,
    reference: str = "",
) -> HandOut:
    """Record that the acting distributor handed one of its booklets to a beneficiary."""
    line = HandOutLine(booklet_number, handed_out_on, public, reference)
    report = _record(acting=acting, lines=[line], all_or_nothing=True)
    assert report.recorded == 1
    return HandOut.objects.select_related("booklet").get(
        booklet__number=booklet_number, distributor=acting.organisation
    )


def record_handouts(
    *,
    acting: Acting,
    first_number: int,
    last_number: int,
    handed_out_on: datetime.date,
    public: str,
    reference: str = "",
) -> int:
    """Booklets `first_number` to `last_number` handed out the same day to the same public:
    all of them or none (HandOutRefused lists every booklet refused). Returns the count."""
    if not 1 <= first_number <= last_number or last_number - first_number >= MAX_BOOKLETS:
        raise InvalidBookletRange(
            _("Plage de carnets invalide (au plus %(max)s carnets à la fois).")
            % {"max": MAX_BOOKLETS}
        )
    lines = [
        HandOutLine(number, handed_out_on, public, reference)
        for number in range(first_number, last_number + 1)
    ]
    return _record(acting=acting, lines=lines, all_or_nothing=True).recorded


def record_handout_lines(*, acting: Acting, lines: Sequence[HandOutLine]) -> HandOutReport:
    """Record the lines that pass every rule and report each other one with its reason
    (the CSV import: `passes/handout_csv.py`)."""
    return _record(acting=acting, lines=lines, all_or_nothing=False)


def purge_handout_references(*, now: datetime.datetime) -> int:
    """Erase the pseudonymous references of hand-outs older than the retention period
    (PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS); returns how many. Run daily (passes/jobs.py)."""
    days = settings.PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS
    cutoff = timezone.localdate(now) - datetime.timedelta(days=days)
    with transaction.atomic():
        return (
            HandOut.objects.filter(handed_out_on__lt=cutoff)
            .exclude(reference="")
            .update(reference="", reference_purged_at=now)
        )


def clean_reference(value: str) -> str:
    """A pseudonymous reference as stored: trimmed, 40 characters at most, no control
    character. ValueError with the reason otherwise."""
    cleaned = (value or "").strip()
    if len(cleaned) > REFERENCE_MAX_LENGTH:
        raise ValueError(
            _("La référence fait %(length)s caractères : 40 au plus.") % {"length": len(cleaned)}
        )
    if has_forbidden_characters(cleaned):
        raise ValueError(_("La référence contient un caractère de contrôle."))
    return cleaned


# --- Internals -----------------------------------------------------------------------------------


def _require_own_order(acting: Acting, order: Order) -> None:
    acting.require_kind(OrganisationKind.SPONSOR)
    if order.sponsor_id != acting.organisation.pk:
        raise NotFound()


def _require_distributable(order: Order, *, today: datetime.date) -> None:
    if order.status != OrderStatus.PAID or order.issued_at is None:
        raise NotDistributable(reference=order.reference)
    stop = distribution_stop_date(order)
    if today > stop:
        raise DistributionStopped(
            reference=order.reference,
            date=formats.date_format(stop, "SHORT_DATE_FORMAT"),
            days=settings.PASSNUM_DISTRIBUTION_STOP_DAYS,
        )


def _fresh(booklets: QuerySet[Booklet]) -> QuerySet[Booklet]:
    """Booklets whose passes are all still unused (none used, blocked, replaced or expired)."""
    spent = Pass.objects.filter(
        serial__gte=OuterRef("first_serial"),
        serial__lte=OuterRef("last_serial"),
    ).exclude(status__in=[PassStatus.ACTIVE, PassStatus.INACTIVE])
    return booklets.filter(~Exists(spent))


def _next_in_stock(order: Order, count: int) -> list[int]:
    if not 1 <= count <= MAX_BOOKLETS:
        raise InvalidBookletRange(
            _("Indiquez un nombre de carnets entre 1 et %(max)s.") % {"max": MAX_BOOKLETS}
        )
    numbers = list(
        _fresh(Booklet.objects.filter(order=order, distributor__isnull=True))
        .order_by("number")
        .values_list("number", flat=True)[:count]
    )
    if len(numbers) < count:
        raise NotEnoughStock(available=len(numbers))
    return numbers


def _numbers_of(order: Order, selection: BookletNumbers | SerialRange) -> tuple[int, int]:
    """The booklet-number range a selection stands for, every number a booklet of `order`."""
    if isinstance(selection, SerialRange):
        return _numbers_of_serials(order, selection)
    if not isinstance(selection, BookletNumbers):
        raise InvalidBookletRange()
    first, last = selection.first, selection.last
    if not 1 <= first <= last or last - first >= MAX_BOOKLETS:
        raise InvalidBookletRange(
            _("Plage de carnets invalide (au plus %(max)s carnets à la fois).")
            % {"max": MAX_BOOKLETS}
        )
    found = Booklet.objects.filter(number__gte=first, number__lte=last).aggregate(
        total=Count("pk"), own=Count("pk", filter=Q(order=order))
    )
    if found["own"] != last - first + 1 or found["total"] != found["own"]:
        raise InvalidBookletRange(
            _(
                "Les carnets n° %(first)s à %(last)s ne sont pas tous des carnets de la commande %(reference)s."
            )
            % {"first": first, "last": last, "reference": order.reference}
        )
    return first, last


def _numbers_of_serials(order: Order, selection: SerialRange) -> tuple[int, int]:
    first, last = selection.first, selection.last
    if not 1 <= first <= last:
        raise InvalidBookletRange(_("Plage de numéros de série invalide."))
    found = Booklet.objects.filter(first_serial__gte=first, first_serial__lte=last).aggregate(
        total=Count("pk"),
        own=Count("pk", filter=Q(order=order)),
        low=Min("number"),
        high=Max("number"),
        start=Min("first_serial"),
        end=Max("last_serial"),
    )
    whole = found["start"] == first and found["end"] == last
    if not found["total"] or not whole:
        raise InvalidBookletRange(
            _(
                "Les numéros de série %(first)s à %(last)s ne couvrent pas des carnets entiers : "
                "la plage doit commencer au premier pass d'un carnet et finir au dernier pass "
                "d'un carnet."
            )
            % {"first": first, "last": last}
        )
    contiguous = found["high"] - found["low"] + 1 == found["total"]
    if found["own"] != found["total"] or not contiguous:
        raise InvalidBookletRange(
            _("Ces numéros de série ne sont pas tous des pass de la commande %(reference)s.")
            % {"reference": order.reference}
        )
    if found["total"] > MAX_BOOKLETS:
        raise InvalidBookletRange(
            _("Plage de carnets invalide (au plus %(max)s carnets à la fois).")
            % {"max": MAX_BOOKLETS}
        )
    return found["low"], found["high"]


def _runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted numbers as runs of consecutive ones: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _holder_runs(rows: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(number, holder) rows by number → runs (first, last, holder) of consecutive numbers
    with the same holder."""
    runs: list[tuple[int, int, int]] = []
    for number, holder in rows:
        if runs and number == runs[-1][1] + 1 and holder == runs[-1][2]:
            runs[-1] = (runs[-1][0], number, holder)
        else:
            runs.append((number, number, holder))
    return runs


def _log(
    *,
    acting: Acting,
    order: Order,
    kind: AssignmentKind,
    runs: Sequence[tuple[int, int, int | None, int | None]],
) -> None:
    BookletAssignment.objects.bulk_create(
        [
            BookletAssignment(
                order=order,
                kind=kind,
                first_number=first,
                last_number=last,
                booklet_count=last - first + 1,
                from_distributor_id=source,
                to_distributor_id=target,
                actor=acting.user,
                acting_organisation=acting.organisation,
            )
            for first, last, source, target in runs
        ],
        batch_size=1000,
    )


def _line_error(line: HandOutLine, code: str, message: str) -> LineError:
    return LineError(line=line.line, booklet_number=line.booklet_number, code=code, message=message)


def _check_fields(
    line: HandOutLine, today: datetime.date
) -> tuple[HandOutLine | None, LineError | None]:
    if line.public not in HANDOUT_PUBLICS:
        return None, _line_error(
            line,
            "invalid_public",
            _("Catégorie de public inconnue : %(value)s.") % {"value": line.public},
        )
    if line.handed_out_on > today:
        return None, _line_error(
            line, "handout_in_future", _("La date de remise est dans le futur.")
        )
    try:
        reference = clean_reference(line.reference)
    except ValueError as exc:
        return None, _line_error(line, "invalid_reference", str(exc))
    return (
        HandOutLine(line.booklet_number, line.handed_out_on, line.public, reference, line.line),
        None,
    )


def _held_chunks(acting: Acting, numbers: list[int]) -> list[QuerySet[Booklet]]:
    """The acting distributor's booklets among sorted `numbers`, as querysets: one range
    when the numbers are consecutive (no list of parameters), else batches of numbers."""
    return _number_chunks(Booklet.objects.filter(distributor=acting.organisation), numbers)


def _number_chunks(booklets: QuerySet[Booklet], numbers: list[int]) -> list[QuerySet[Booklet]]:
    """`booklets` among the sorted `numbers`, as querysets: one range when the numbers are
    consecutive (no list of parameters), else batches of numbers under the parameter limit."""
    if not numbers:
        return []
    low, high = numbers[0], numbers[-1]
    if high - low + 1 == len(numbers):
        return [booklets.filter(number__gte=low, number__lte=high)]
    size = _batch()
    return [
        booklets.filter(number__in=numbers[start : start + size])
        for start in range(0, len(numbers), size)
    ]


def _record(*, acting: Acting, lines: Sequence[HandOutLine], all_or_nothing: bool) -> HandOutReport:
    acting.require_kind(OrganisationKind.DISTRIBUTOR)
    today = timezone.localdate()
    report = HandOutReport()
    checked: list[HandOutLine] = []
    seen: set[int] = set()
    for line in lines:
        cleaned, error = _check_fields(line, today)
        if error is None and line.booklet_number in seen:
            error = _line_error(
                line, "duplicate_booklet", _("Ce carnet figure déjà plus haut dans la liste.")
            )
        if error is not None:
            report.errors.append(error)
            continue
        assert cleaned is not None
        seen.add(cleaned.booklet_number)
        checked.append(cleaned)
    if report.errors and all_or_nothing:
        _refuse(report.errors)
    try:
        with transaction.atomic():
            report.recorded = _write(
                acting=acting,
                lines=checked,
                report=report,
                all_or_nothing=all_or_nothing,
            )
    except IntegrityError as exc:  # the same booklet recorded at the same moment elsewhere
        raise HandOutRefused(
            _("Un de ces carnets vient d'être enregistré comme remis : rechargez la page.")
        ) from exc
    report.errors.sort(key=lambda error: (error.line or 0, error.booklet_number or 0))
    return report


def _write(
    *,
    acting: Acting,
    lines: list[HandOutLine],
    report: HandOutReport,
    all_or_nothing: bool,
) -> int:
    chunks = _held_chunks(acting, sorted(line.booklet_number for line in lines))
    booklets: dict[int, _Held] = {}
    handed_out: set[int] = set()
    for chunk in chunks:
        # Lock exactly these booklets (a withdrawal waits, or has already taken them back),
        # reading their state with them.
        rows = (
            with_states(chunk)
            .select_for_update(of=("self",))
            .order_by("number")
            .values_list("pk", "number", "order_id", "assigned_at", "state")
        )
        booklets.update((row[1], _Held(*row)) for row in rows)
        handed_out.update(
            HandOut.objects.filter(booklet__in=chunk.values("pk")).values_list(
                "booklet_id", flat=True
            )
        )
    stops = {
        pk: distribution_stop_date(order)
        for pk, order in Order.objects.in_bulk(
            {held.order_id for held in booklets.values()}
        ).items()
    }
    accepted: list[HandOut] = []
    for line in lines:
        held = booklets.get(line.booklet_number)
        error = _booklet_error(line, held, handed_out, stops)
        if error is not None:
            report.errors.append(error)
            continue
        assert held is not None
        accepted.append(
            HandOut(
                booklet_id=held.pk,
                distributor=acting.organisation,
                handed_out_on=line.handed_out_on,
                public=line.public,
                reference=line.reference,
                recorded_by=acting.user,
            )
        )
    if report.errors and all_or_nothing:
        _refuse(report.errors)
    HandOut.objects.bulk_create(accepted, batch_size=2000)
    return len(accepted)


def _batch() -> int:
    """Values per `IN (…)`: under the database's limit on query parameters."""
    return max(1, min((connection.features.max_query_params or 20_000) - 10, 20_000))


class _Held(NamedTuple):
    """A booklet of the acting distributor, as a hand-out needs it."""

    pk: int
    number: int
    order_id: int
    assigned_at: datetime.datetime | None
    state: str


def _booklet_error(
    line: HandOutLine,
    booklet: _Held | None,
    handed_out: set[int],
    stops: dict[int, datetime.date],
) -> LineError | None:
    if booklet is None:
        return _line_error(
            line,
            "booklet_not_held",
            _("Le carnet n° %(number)s n'est pas dans votre stock.")
            % {"number": line.booklet_number},
        )
    if booklet.pk in handed_out:
        return _line_error(line, "already_handed_out", _("Ce carnet a déjà été remis."))
    if booklet.state == BookletState.BLOCKED:
        return _line_error(
            line,
            "booklet_blocked",
            _("Les pass de ce carnet sont bloqués : il ne peut pas être remis."),
        )
    if booklet.state == BookletState.EXPIRED:
        return _line_error(
            line,
            "booklet_expired",
            _("Les pass de ce carnet ont expiré : il ne peut pas être remis."),
        )
    stop = stops[booklet.order_id]
    if line.handed_out_on > stop:
        return _line_error(
            line,
            "distribution_stopped",
            _("La distribution de cette commande s'est arrêtée le %(date)s.")
            % {"date": formats.date_format(stop, "SHORT_DATE_FORMAT")},
        )
    if booklet.assigned_at is not None:
        assigned = timezone.localdate(booklet.assigned_at)
        if line.handed_out_on < assigned:
            return _line_error(
                line,
                "handout_before_assignment",
                _("La date de remise précède l'attribution du carnet (le %(date)s).")
                % {"date": formats.date_format(assigned, "SHORT_DATE_FORMAT")},
            )
    return None


def _refuse(errors: list[LineError]) -> None:
    ordered = sorted(errors, key=lambda error: (error.line or 0, error.booklet_number or 0))
    first = ordered[0]
    if len(ordered) == 1:
        message = first.message
    else:
        message = _(
            "%(count)s carnets ne peuvent pas être remis, rien n'est enregistré. "
            "Premier refus, carnet n° %(number)s : %(reason)s"
        ) % {"count": len(ordered), "number": first.booklet_number, "reason": first.message}
    raise HandOutRefused(message, details=[error.as_detail() for error in ordered])
