from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import Membership, Organisation
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.payouts.enums import TransferStatus
from passnum.payouts.exceptions import NoOperatorMember
from passnum.payouts.models import CarriedProvider, PayoutLog, PayoutRun, PayoutTransfer

# Transfers that pay (to send or sent); a rejected or carried one is paid again by a later run.
LIVE_TRANSFER = [TransferStatus.PENDING, TransferStatus.EXECUTED]


def operator_acting(*, email: str | None = None) -> Acting:
    """Who runs payouts from the command line or the worker: the operator member with this
    e-mail, or by default the first administrator of the operator organisation."""
    members = Membership.objects.select_related("user", "organisation").filter(
        organisation__kind=OrganisationKind.OPERATOR, user__is_active=True
    )
    if email:
        member = members.filter(user__email__iexact=email.strip()).order_by("pk").first()
        detail = email
    else:
        member = members.filter(role=MemberRole.ADMIN).order_by("pk").first()
        member = member or members.order_by("pk").first()
        detail = "aucun membre"
    if member is None:
        raise NoOperatorMember(detail=detail)
    return Acting(user=member.user, organisation=member.organisation, membership=member)


def run_for_period(*, acting: Acting, period_start, period_end) -> PayoutRun:
    """The run of that period (operator staff only); NotFound if it was never run."""
    acting.require_kind(OrganisationKind.OPERATOR)
    run = PayoutRun.objects.filter(period_start=period_start, period_end=period_end).first()
    if run is None:
        raise NotFound()
    return run


def transfers_of_run(*, acting: Acting, run: PayoutRun) -> QuerySet[PayoutTransfer]:
    acting.require_kind(OrganisationKind.OPERATOR)
    return PayoutTransfer.objects.filter(run=run).select_related("provider", "run").order_by("pk")


def transfers_of_provider(*, acting: Acting) -> QuerySet[PayoutTransfer]:
    """The acting provider's own transfers (its statements), newest first: never another's."""
    acting.require_kind(OrganisationKind.PROVIDER)
    return (
        PayoutTransfer.objects.filter(provider=acting.organisation)
        .select_related("run", "provider")
        .order_by("-run__period_end", "-pk")
    )


def transfer_of_provider(*, acting: Acting, transfer_id: int) -> PayoutTransfer:
    """One of the acting provider's transfers; NotFound for any other's."""
    transfer = transfers_of_provider(acting=acting).filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFound()
    return transfer


# --- Finance pages (operator staff) ---------------------------------------------------------------


def runs_overview(*, acting: Acting) -> QuerySet[PayoutRun]:
    """Every run, newest period first, each with `transfer_count` (its transfers, rejected ones
    included), `net_cents` (the net of those still to send or sent) and `carried_count`: one
    query, subqueries so the counts do not multiply each other."""
    acting.require_kind(OrganisationKind.OPERATOR)
    transfers = PayoutTransfer.objects.filter(run=OuterRef("pk")).order_by().values("run")
    carried = CarriedProvider.objects.filter(run=OuterRef("pk")).order_by().values("run")
    return PayoutRun.objects.annotate(
        transfer_count=Coalesce(Subquery(transfers.annotate(n=Count("pk")).values("n")), 0),
        net_cents=Coalesce(
            Subquery(
                transfers.filter(status__in=LIVE_TRANSFER)
                .annotate(total=Sum("net_cents"))
                .values("total")
            ),
            0,
        ),
        carried_count=Coalesce(Subquery(carried.annotate(n=Count("pk")).values("n")), 0),
    ).order_by("-period_end", "-pk")


def run_for(*, acting: Acting, run_id: int) -> PayoutRun:
    """A run by its id (operator staff only); NotFound if there is none."""
    acting.require_kind(OrganisationKind.OPERATOR)
    run = PayoutRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def transfer_of_run(*, acting: Acting, run: PayoutRun, transfer_id: int) -> PayoutTransfer:
    """One transfer of that run (operator staff only); NotFound for one of another run."""
    transfer = transfers_of_run(acting=acting, run=run).filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFound()
    return transfer


def run_totals(*, acting: Acting, run: PayoutRun) -> dict[str, int]:
    """The sums of the run's transfers still to send or sent (rejected ones are paid again by a
    later run): count, passes, gross, fee, VAT, net, fund share."""
    acting.require_kind(OrganisationKind.OPERATOR)
    found = PayoutTransfer.objects.filter(run=run, status__in=LIVE_TRANSFER).aggregate(
        count=Count("pk"),
        redemptions=Coalesce(Sum("redemption_count"), 0),
        passes=Coalesce(Sum("pass_count"), 0),
        gross=Coalesce(Sum("gross_cents"), 0),
        fee=Coalesce(Sum("fee_cents"), 0),
        vat=Coalesce(Sum("vat_cents"), 0),
        net=Coalesce(Sum("net_cents"), 0),
        fund=Coalesce(Sum("fund_cents"), 0),
    )
    return {key: int(value) for key, value in found.items()}


def carried_of_run(*, acting: Acting, run: PayoutRun) -> QuerySet[CarriedProvider]:
    acting.require_kind(OrganisationKind.OPERATOR)
    return CarriedProvider.objects.filter(run=run).select_related("provider").order_by("pk")


def log_of_run(*, acting: Acting, run: PayoutRun) -> QuerySet[PayoutLog]:
    """The run's own transitions and its transfers' rejections and carry-overs (the mass
    pending → executed lines of an execution are summed up by the run's own line)."""
    acting.require_kind(OrganisationKind.OPERATOR)
    return (
        PayoutLog.objects.filter(run=run)
        .filter(Q(transfer__isnull=True) | ~Q(to_status=TransferStatus.EXECUTED))
        .select_related("actor", "transfer")
        .order_by("created_at", "pk")
    )


def last_carried(*, provider: Organisation) -> CarriedProvider | None:
    """The provider's row in the latest run if that run carried it (unpaid, and why)."""
    latest = PayoutRun.objects.order_by("-number").first()
    if latest is None:
        return None
    return (
        CarriedProvider.objects.filter(run=latest, provider=provider).select_related("run").first()
    )
