"""Reads of distribution, scoped to who asks: a sponsor sees its distributors, its orders'
booklets and their movements; a distributor sees the booklets it holds and its hand-outs.
Anything else is NotFound (the pages answer 404), so nothing tells another organisation's
objects exist."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import Invitation, Membership, Organisation, Partnership
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order
from passnum.passes.enums import BookletState, PassStatus
from passnum.passes.models import Booklet, BookletAssignment, HandOut, Pass
from passnum.passes.states import state_counts, with_pass_counts, with_states, without_jit

# --- Sponsor -------------------------------------------------------------------------------------


def _require(acting: Acting, kind: OrganisationKind) -> None:
    if acting.organisation.kind != kind:
        raise NotFound()


def distributors_of(*, acting: Acting) -> QuerySet[Organisation]:
    """The distributors working for the acting sponsor, by name, with `has_admin`,
    `booklets_held` (booklets of this sponsor they hold) and `partner_since`."""
    _require(acting, OrganisationKind.SPONSOR)
    partnerships = Partnership.objects.filter(sponsor=acting.organisation)
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.DISTRIBUTOR, sponsor_partnerships__in=partnerships
        )
        .annotate(
            has_admin=Exists(
                Membership.objects.filter(organisation=OuterRef("pk"), role=MemberRole.ADMIN)
            ),
            booklets_held=Count(
                "held_booklets",
                filter=Q(held_booklets__order__sponsor=acting.organisation),
            ),
        )
        .order_by("name", "pk")
    )


def distributor_of(*, acting: Acting, distributor_id: int) -> Organisation:
    """A distributor working for the acting sponsor; NotFound for any other organisation."""
    found = distributors_of(acting=acting).filter(pk=distributor_id).first()
    if found is None:
        raise NotFound()
    return found


def pending_invitations(*, distributors: list[Organisation]) -> dict[int, Invitation]:
    """The latest pending administrator invitation of each of these distributors."""
    found: dict[int, Invitation] = {}
    invitations = Invitation.objects.filter(
        organisation__in=distributors,
        role=MemberRole.ADMIN,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).order_by("created_at", "pk")
    for invitation in invitations:
        found[invitation.organisation_id] = invitation
    return found


def distributable_orders(*, acting: Acting) -> QuerySet[Order]:
    """The acting sponsor's orders whose booklets can be distributed (paid, issued)."""
    _require(acting, OrganisationKind.SPONSOR)
    return Order.objects.filter(
        sponsor=acting.organisation, status=OrderStatus.PAID, issued_at__isnull=False
    ).order_by("-created_at", "-pk")


def sponsor_order(*, acting: Acting, reference: str) -> Order:
    """One of the acting sponsor's issued orders, by reference; NotFound otherwise."""
    _require(acting, OrganisationKind.SPONSOR)
    order = (
        Order.objects.select_related("sponsor")
        .filter(sponsor=acting.organisation, reference=reference, issued_at__isnull=False)
        .first()
    )
    if order is None:
        raise NotFound()
    return order


@dataclass
class OrderDistribution:
    """An order's booklets: how many in each state, and how many each distributor holds."""

    states: dict[str, int]
    in_stock_fresh: int
    holders: list[tuple[Organisation, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.states.values())


def order_distribution(*, acting: Acting, order: Order) -> OrderDistribution:
    """Figures of the order page: three queries, whatever the number of booklets."""
    _require(acting, OrganisationKind.SPONSOR)
    if order.sponsor_id != acting.organisation.pk:
        raise NotFound()
    return _distribution(order)


def _distribution(order: Order) -> OrderDistribution:
    booklets = Booklet.objects.filter(order=order)
    states = state_counts(booklets)
    held = dict(
        booklets.filter(distributor__isnull=False)
        .order_by()
        .values_list("distributor_id")
        .annotate(n=Count("pk"))
    )
    organisations = Organisation.objects.in_bulk(list(held))
    holders = sorted(
        ((organisations[pk], count) for pk, count in held.items()),
        key=lambda pair: pair[0].name,
    )
    return OrderDistribution(
        states=states, in_stock_fresh=states[BookletState.IN_STOCK], holders=holders
    )


@dataclass
class OrderFigures:
    """What an order's page shows of its distribution: its booklets (`OrderDistribution`) and
    its passes counted by status (every PassStatus value present, 0 if none)."""

    booklets: OrderDistribution
    passes: dict[str, int]

    @property
    def pass_total(self) -> int:
        return sum(self.passes.values())

    @property
    def passes_unused(self) -> int:
        return self.passes[PassStatus.ACTIVE] + self.passes[PassStatus.INACTIVE]

    @property
    def passes_blocked(self) -> int:
        return self.passes[PassStatus.BLOCKED] + self.passes[PassStatus.REPLACED]


def order_figures(*, acting: Acting, order: Order) -> OrderFigures:
    """The distribution figures of an order's page, for its sponsor and (read-only) operator
    staff; NotFound for anyone else. Four queries, whatever the number of booklets (the passes
    are counted on the (order, status) index)."""
    is_operator = acting.organisation.kind == OrganisationKind.OPERATOR
    is_sponsor = (
        acting.organisation.kind == OrganisationKind.SPONSOR
        and order.sponsor_id == acting.organisation.pk
    )
    if not (is_operator or is_sponsor):
        raise NotFound()
    passes = dict.fromkeys(PassStatus.values, 0)
    rows = Pass.objects.filter(order=order).order_by().values_list("status").annotate(n=Count("pk"))
    for status, count in rows:
        passes[status] = count
    return OrderFigures(booklets=_distribution(order), passes=passes)


def order_booklets(
    *, acting: Acting, order: Order, state: str = "", distributor_id: int | None = None
) -> QuerySet[Booklet]:
    """The order's booklets with `state` and their holder, by number; filtered by state
    and holder if asked."""
    _require(acting, OrganisationKind.SPONSOR)
    if order.sponsor_id != acting.organisation.pk:
        raise NotFound()
    booklets = with_states(
        Booklet.objects.filter(order=order).select_related("distributor")
    ).order_by("number")
    if distributor_id is not None:
        booklets = booklets.filter(distributor_id=distributor_id)
    if state in BookletState.values:
        booklets = booklets.filter(state=state)
    return booklets


def order_assignments(*, acting: Acting, order: Order) -> QuerySet[BookletAssignment]:
    """The order's booklet movements, newest first."""
    _require(acting, OrganisationKind.SPONSOR)
    if order.sponsor_id != acting.organisation.pk:
        raise NotFound()
    return BookletAssignment.objects.filter(order=order).select_related(
        "from_distributor", "to_distributor", "actor"
    )


def sponsor_booklet(*, acting: Acting, number: int) -> Booklet:
    """A booklet of one of the acting sponsor's orders; NotFound for any other."""
    _require(acting, OrganisationKind.SPONSOR)
    booklet = (
        Booklet.objects.select_related("order")
        .filter(number=number, order__sponsor=acting.organisation)
        .first()
    )
    if booklet is None:
        raise NotFound()
    return booklet


# --- Distributor ---------------------------------------------------------------------------------


def stock_of(*, acting: Acting) -> QuerySet[Booklet]:
    """The booklets the acting distributor holds (handed out or not), with their order."""
    _require(acting, OrganisationKind.DISTRIBUTOR)
    return Booklet.objects.filter(distributor=acting.organisation).select_related(
        "order", "order__sponsor"
    )


@dataclass
class StockLine:
    """One order in a distributor's stock: its booklets counted by state."""

    order: Order
    states: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.states.values())


def stock_summary(*, acting: Acting) -> list[StockLine]:
    """The acting distributor's booklets counted by order (and sponsor) and state: two
    queries, whatever the number of booklets."""
    with without_jit():
        rows = list(
            with_states(stock_of(acting=acting))
            .order_by()
            .values("order_id", "state")
            .annotate(n=Count("pk"))
        )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BookletState.values, 0))
    for row in rows:
        counts[row["order_id"]][row["state"]] = row["n"]
    orders = Order.objects.select_related("sponsor").in_bulk(list(counts))
    lines = [StockLine(order=orders[pk], states=states) for pk, states in counts.items()]
    return sorted(lines, key=lambda line: (line.order.sponsor.name, line.order.reference))


def stock_booklets(
    *, acting: Acting, order_id: int | None = None, state: str = "", number: int | None = None
) -> QuerySet[Booklet]:
    """The acting distributor's booklets with `state` and pass counts, by number, filtered."""
    booklets = with_states(stock_of(acting=acting))
    if order_id is not None:
        booklets = booklets.filter(order_id=order_id)
    if number is not None:
        booklets = booklets.filter(number=number)
    if state in BookletState.values:
        booklets = booklets.filter(state=state)
    return booklets.order_by("number")


def page_with_counts(booklets: list[Booklet]) -> list[Booklet]:
    """Adds redeemed/blocked/expired counts to one page of booklets (one more query), and
    `state_label`, the translated label of their `state`."""
    if not booklets:
        return booklets
    counted = {
        row.pk: row
        for row in with_pass_counts(Booklet.objects.filter(pk__in=[b.pk for b in booklets]))
    }
    for booklet in booklets:
        row = counted[booklet.pk]
        booklet.redeemed_count = row.redeemed_count  # type: ignore[attr-defined]
        booklet.blocked_count = row.blocked_count  # type: ignore[attr-defined]
        booklet.expired_count = row.expired_count  # type: ignore[attr-defined]
        booklet.pass_total = row.pass_total  # type: ignore[attr-defined]
        booklet.state_label = BookletState(booklet.state).label  # type: ignore[attr-defined]
    return booklets


def held_booklet(*, acting: Acting, number: int) -> Booklet:
    """A booklet the acting distributor holds, with its state; NotFound for any other."""
    booklet = with_states(stock_of(acting=acting)).filter(number=number).first()
    if booklet is None:
        raise NotFound()
    return booklet


def handouts_of(*, acting: Acting) -> QuerySet[HandOut]:
    """The acting distributor's hand-outs, newest first."""
    _require(acting, OrganisationKind.DISTRIBUTOR)
    return HandOut.objects.filter(distributor=acting.organisation).select_related(
        "booklet", "booklet__order"
    )


def handout_of(*, acting: Acting, number: int) -> HandOut:
    """The hand-out of booklet `number` by the acting distributor; NotFound otherwise."""
    found = (
        handouts_of(acting=acting)
        .filter(booklet__number=number, booklet__distributor=acting.organisation)
        .first()
    )
    if found is None:
        raise NotFound()
    return found
