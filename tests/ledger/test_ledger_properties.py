"""Random sequences of orders, payments, redemptions, undos, blocks and expiries: after every step
the ledger checks pass and the balances equal what the business rows say they must be.

Operations the domain refuses are part of the game: they must raise a DomainError and change
nothing. Each example runs in a savepoint rolled back at its end, so it starts from the same world.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine as Machine
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.ledger.enums import AccountPurpose
from passnum.ledger.models import Posting
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order
from passnum.orders.services import UsageRules, record_payment
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.services import block_passes, expire_order_passes, issue_passes, unblock_passes
from passnum.places.models import Place
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.services import redeem_passes, undo_redemption
from tests.factories import PlaceFactory, a_service, make_acting, make_order, offer

# SPEC §2 defaults, written out here rather than read from the code under test.
DOWNSTREAM_FEE_BPS = 400
VAT_PERCENT = 20
PAID = (OrderStatus.PAID, OrderStatus.CLOSED)
ANY = st.integers(min_value=0, max_value=10_000)  # an index, taken modulo the list's length


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class World:
    operator: Acting
    sponsor: Acting
    providers: tuple[Acting, Acting]
    places: tuple[Place, Place]


@pytest.fixture
def world(db) -> World:
    operator = make_acting(OrganisationKind.OPERATOR)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    gironde = make_acting(OrganisationKind.PROVIDER)
    rhone = make_acting(OrganisationKind.PROVIDER)
    bordeaux = PlaceFactory(organisation=gironde.organisation)
    lyon = PlaceFactory(
        organisation=rhone.organisation,
        postcode="69001",
        commune_name="Lyon",
        commune_code="69123",
        epci_code="200046977",
        departement="69",
        region="84",
        latitude=Decimal("45.760000"),
        longitude=Decimal("4.830000"),
    )
    return World(operator, sponsor, (gironde, rhone), (bordeaux, lyon))


def held_by(purpose: AccountPurpose) -> dict[int | None, int]:
    """Credit balances (what is held) of the accounts of one purpose, by organisation."""
    postings = Posting.objects.filter(account__purpose=purpose).values("account__organisation")
    rows = postings.annotate(total=Sum("amount_cents"))
    return {row["account__organisation"]: -row["total"] for row in rows if row["total"]}


def held(purpose: AccountPurpose) -> int:
    return sum(held_by(purpose).values())


def face_value_of(statuses: list[str]) -> int:
    passes = Pass.objects.filter(order__status__in=PAID, status__in=statuses)
    return passes.aggregate(total=Sum("order__face_value_cents"))["total"] or 0


def expected_escrow() -> int:
    """Paid orders: face value of passes still to be spent, including passes not yet issued."""
    unissued = Order.objects.filter(status__in=PAID, issued_at__isnull=True)
    return face_value_of([PassStatus.ACTIVE, PassStatus.BLOCKED]) + sum(
        order.quantity * order.face_value_cents for order in unissued
    )


def expected_payables() -> dict[int, int]:
    """Per provider: for each live redemption and each order in it, face − fee − VAT on the fee."""
    faces: dict[tuple[int, int, int], int] = defaultdict(int)
    lines = RedemptionLine.objects.filter(redemption__undone_at__isnull=True).values_list(
        "redemption",
        "redemption__organisation",
        "pass_item__order",
        "pass_item__order__face_value_cents",
    )
    for redemption_id, provider_id, order_id, face in lines:
        faces[(redemption_id, provider_id, order_id)] += face
    owed: dict[int, int] = defaultdict(int)
    for (_redemption, provider_id, _order), face in faces.items():
        fee = round_half_up(Decimal(face * DOWNSTREAM_FEE_BPS) / 10_000)
        vat = round_half_up(Decimal(fee * VAT_PERCENT) / 100)
        owed[provider_id] += face - fee - vat
    return {provider: amount for provider, amount in owed.items() if amount}


def snapshot() -> tuple:
    """Everything a refused operation must leave untouched."""
    return (
        tuple(Pass.objects.order_by("pk").values_list("pk", "status")),
        tuple(Order.objects.order_by("pk").values_list("pk", "status", "issued_at")),
        tuple(Redemption.objects.order_by("pk").values_list("pk", "undone_at")),
        Posting.objects.count(),
    )


class LedgerMachine(Machine):
    world: World  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.orders: list[int] = []
        self.redemptions: list[int] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    def attempt(self, operation, /, **kwargs):
        """Call a service; a refusal must be a DomainError that changed nothing."""
        before = snapshot()
        try:
            return operation(**kwargs)
        except DomainError:
            assert snapshot() == before, f"{operation.__name__} refused but changed something"
            return None

    def pick_order(self, pick: int, prefer: Q, among: Q | None = None) -> Order | None:
        """One of this example's orders matching `among`, if possible one matching `prefer`."""
        orders = Order.objects.filter(among or Q(), pk__in=self.orders).order_by("pk").distinct()
        if orders.filter(prefer).exists():
            orders = orders.filter(prefer)
        found = list(orders)
        return found[pick % len(found)] if found else None

    def has_orders(self) -> bool:
        return bool(self.orders)

    def has_passes(self) -> bool:
        return Pass.objects.exists()

    @rule(
        quantity=st.sampled_from([10, 20, 30, 40]),
        face=st.sampled_from([500, 1000, 1234]),
        gironde_only=st.booleans(),
        then=st.sampled_from(["issue and pay", "issue", "nothing"]),
    )
    def create_order(self, quantity, face, gironde_only, then):
        order = make_order(
            sponsor=self.world.sponsor,
            operator=self.world.operator,
            quantity=quantity,
            face_value_cents=face,
            rules=UsageRules(departements=["33"]) if gironde_only else None,
            issued=then != "nothing",
            paid=then == "issue and pay",
        )
        self.orders.append(order.pk)

    @precondition(has_orders)
    @rule(pick=ANY)
    def issue(self, pick):
        order = self.pick_order(pick, prefer=Q(issued_at__isnull=True))
        self.attempt(issue_passes, acting=self.world.operator, order=order)

    @precondition(has_orders)
    @rule(pick=ANY)
    def pay(self, pick):
        order = self.pick_order(pick, prefer=Q(status=OrderStatus.AWAITING_PAYMENT))
        if order is not None:
            self.attempt(
                record_payment,
                acting=self.world.operator,
                order=order,
                amount_cents=order.total_due_cents,
            )

    @precondition(has_passes)
    @rule(
        where=st.integers(0, 1),
        picks=st.lists(ANY, min_size=1, max_size=3, unique=True),
        active_only=st.sampled_from([True, True, True, False]),
        price_offset=st.integers(-1500, 1500),
    )
    def redeem(self, where, picks, active_only, price_offset):
        pool = Pass.objects.order_by("serial")
        if active_only and pool.filter(status=PassStatus.ACTIVE).exists():
            pool = pool.filter(status=PassStatus.ACTIVE)
        candidates = list(pool.values_list("code", "order__face_value_cents"))
        chosen = [candidates[pick % len(candidates)] for pick in picks]
        price_cents = max(1, sum(face for _code, face in chosen) + price_offset)
        offer(self.world.places[where], price_cents=price_cents)  # the place's published price
        result = self.attempt(
            redeem_passes,
            acting=self.world.providers[where],
            place=self.world.places[where],
            service=a_service(),
            price_cents=price_cents,
            codes=[code for code, _face in chosen],
        )
        if result is not None:
            self.redemptions.append(result.redemption.pk)

    @precondition(lambda self: self.redemptions)
    @rule(pick=st.integers(0, 3), by_other=st.sampled_from([False, False, True]))
    def undo(self, pick, by_other):
        recent = self.redemptions[-1 - pick % len(self.redemptions)]
        redemption = Redemption.objects.get(pk=recent)
        providers = self.world.providers
        acting = next(
            p for p in providers if (p.organisation == redemption.organisation) ^ by_other
        )
        self.attempt(undo_redemption, acting=acting, redemption=redemption)

    def serial_range(self, start: int, length: int, status: str) -> dict[str, int]:
        """A range starting at a pass in `status` if there is one, else at any pass."""
        passes = Pass.objects.order_by("serial")
        if passes.filter(status=status).exists():
            passes = passes.filter(status=status)
        serials = list(passes.values_list("serial", flat=True))
        first = serials[start % len(serials)]
        return {"serial_first": first, "serial_last": first + length - 1}

    @precondition(has_passes)
    @rule(start=ANY, length=st.integers(1, 15), by_sponsor=st.booleans())
    def block(self, start, length, by_sponsor):
        self.attempt(
            block_passes,
            acting=self.world.sponsor if by_sponsor else self.world.operator,
            reason="Carnet perdu",
            **self.serial_range(start, length, PassStatus.ACTIVE),
        )

    @precondition(has_passes)
    @rule(start=ANY, length=st.integers(1, 15))
    def unblock(self, start, length):
        self.attempt(
            unblock_passes,
            acting=self.world.operator,
            reason="Carnet retrouvé",
            **self.serial_range(start, length, PassStatus.BLOCKED),
        )

    @precondition(has_orders)
    @rule(pick=ANY, past_due=st.sampled_from([False] * 4 + [True]))
    def expire(self, pick, past_due):
        order = self.pick_order(pick, prefer=Q(passes__status=PassStatus.ACTIVE))
        today = order.expires_on + datetime.timedelta(days=1) if past_due else None
        self.attempt(expire_order_passes, actor=self.world.operator.user, order=order, today=today)

    @invariant()
    def ledger_is_consistent(self):
        assert check_ledger() == []

    @invariant()
    def balances_match_the_business_rows(self):
        assert held(AccountPurpose.ESCROW) == expected_escrow()
        assert held_by(AccountPurpose.PAYABLE) == expected_payables()
        paid = Order.objects.filter(status__in=PAID).aggregate(total=Sum("total_due_cents"))
        assert -held(AccountPurpose.BANK) == (paid["total"] or 0)  # an asset: debit balance
        assert held(AccountPurpose.REFUNDABLE) == face_value_of([PassStatus.EXPIRED])


def test_ledger_holds_after_every_step(world):
    machine = type("Machine", (LedgerMachine,), {"world": world})
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=30, stateful_step_count=15, deadline=None),
    )


def test_an_order_paid_before_it_is_issued_is_consistent(world):
    order = make_order(sponsor=world.sponsor, operator=world.operator, issued=False, paid=True)
    assert held(AccountPurpose.ESCROW) == expected_escrow() == order.face_total_cents
    assert check_ledger() == []


def test_paying_an_order_whose_passes_expired_makes_their_value_refundable(world):
    order = make_order(sponsor=world.sponsor, operator=world.operator, paid=False)
    after_validity = order.expires_on + datetime.timedelta(days=1)
    assert expire_order_passes(actor=world.operator.user, order=order, today=after_validity) == 10
    record_payment(acting=world.operator, order=order, amount_cents=order.total_due_cents)
    assert held(AccountPurpose.REFUNDABLE) == order.face_total_cents
    assert check_ledger() == []
