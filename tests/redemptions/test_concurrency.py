"""Real threads racing on PostgreSQL: a pass is redeemed at most once, whatever the concurrency.

Each thread has its own database connection and calls the service directly, as concurrent HTTP
requests would. The tests are transactional (data committed, so every thread sees it); the
database is flushed after each one, which also empties the reference data loaded by data
migrations: the `reference_data` fixture reloads it.
"""

import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from passnum.accounts.enums import OrganisationKind
from passnum.ledger.enums import AccountPurpose, TransactionKind
from passnum.ledger.models import LedgerTransaction, Posting
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.exceptions import AlreadyUndone, RedemptionRefused
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.rules import Reason
from passnum.redemptions.services import RedemptionResult, redeem_passes, undo_redemption
from tests.factories import PlaceFactory, a_service, make_acting, make_order, offer, passes_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

THREADS = 32


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread, all released together; its result or its exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            connection.ensure_connection()  # connect before the start line, not in the race
            barrier.wait(timeout=30)
            outcomes[index] = calls[index]()
        except Exception as exc:  # the test inspects every outcome
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def redeem_call(acting, place, codes, *, price_cents=1000, key=None) -> Callable[[], Any]:
    """A redemption to run later; the place offers `a_service()` at this price now."""
    service = a_service()
    offer(place, service=service, price_cents=price_cents)
    return lambda: redeem_passes(
        acting=acting,
        place=place,
        service=service,
        price_cents=price_cents,
        codes=codes,
        idempotency_key=key,
    )


def reason_codes(error: RedemptionRefused) -> set[str]:
    return {detail["code"] for detail in error.details}


def split(outcomes: list[Any]) -> tuple[list[RedemptionResult], list[Exception]]:
    won = [outcome for outcome in outcomes if isinstance(outcome, RedemptionResult)]
    lost = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    return won, lost


def assert_single_winner(outcomes: list[Any], item: Pass) -> None:
    won, lost = split(outcomes)
    assert len(won) == 1
    assert len(lost) == THREADS - 1
    assert all(isinstance(error, RedemptionRefused) for error in lost), lost
    assert all(reason_codes(error) == {Reason.ALREADY_REDEEMED} for error in lost)
    assert RedemptionLine.objects.filter(pass_item=item, undone=False).count() == 1
    assert RedemptionLine.objects.filter(pass_item=item).get().redemption == won[0].redemption
    assert Redemption.objects.count() == 1
    item.refresh_from_db()
    assert item.status == PassStatus.REDEEMED
    assert check_ledger() == []


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 takes ~0.2 s a user; these tests create up to 35 of them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    operator = make_acting(OrganisationKind.OPERATOR)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation)
    return operator, sponsor, provider, place


def test_same_pass_same_place_only_one_thread_wins(world):
    operator, sponsor, provider, place = world
    item = passes_of(make_order(sponsor=sponsor, operator=operator))[0]

    outcomes = race([redeem_call(provider, place, [item.code]) for _ in range(THREADS)])

    assert_single_winner(outcomes, item)


def test_same_pass_at_different_providers_only_one_wins(world):
    operator, sponsor, _provider, _place = world
    item = passes_of(make_order(sponsor=sponsor, operator=operator))[0]
    calls = []
    for _ in range(THREADS):
        acting = make_acting(OrganisationKind.PROVIDER)
        place = PlaceFactory(organisation=acting.organisation)
        calls.append(redeem_call(acting, place, [item.code]))

    outcomes = race(calls)

    assert_single_winner(outcomes, item)
    winner = RedemptionLine.objects.get(pass_item=item).redemption.organisation
    paid_to = Posting.objects.filter(account__purpose=AccountPurpose.PAYABLE)
    assert list(paid_to.values_list("account__organisation", flat=True)) == [winner.pk]


def test_overlapping_batches_are_all_or_nothing(world):
    operator, sponsor, provider, place = world
    pool = passes_of(make_order(sponsor=sponsor, operator=operator, quantity=10))
    pool += passes_of(make_order(sponsor=sponsor, operator=operator, quantity=10))
    assert len(pool) == 20
    rng = random.Random(20240611)
    batches = [rng.sample(pool, 3) for _ in range(THREADS)]
    # 3 passes of 10 € for 25 €: no pass is left unused, so only a race can refuse a batch.
    calls = [
        redeem_call(provider, place, [item.code for item in batch], price_cents=2500)
        for batch in batches
    ]

    outcomes = race(calls)

    won, lost = split(outcomes)
    unexpected = [error for error in lost if not isinstance(error, RedemptionRefused)]
    assert unexpected == []
    assert all(reason_codes(error) == {Reason.ALREADY_REDEEMED} for error in lost)
    assert won, "the first batch to write cannot be refused"
    assert Redemption.objects.count() == len(won)
    live = Counter(
        RedemptionLine.objects.filter(undone=False).values_list("pass_item_id", flat=True)
    )
    assert all(count == 1 for count in live.values())
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, RedemptionResult):
            taken = set(outcome.redemption.lines.values_list("pass_item_id", flat=True))
            assert taken == {item.pk for item in batches[index]}
            assert outcome.redemption.amount_cents == 3000
    statuses = dict(Pass.objects.filter(pk__in=[p.pk for p in pool]).values_list("pk", "status"))
    for item in pool:
        expected = PassStatus.REDEEMED if item.pk in live else PassStatus.ACTIVE
        assert statuses[item.pk] == expected
    assert check_ledger() == []


def test_same_idempotency_key_redeems_once(world):
    operator, sponsor, provider, place = world
    items = passes_of(make_order(sponsor=sponsor, operator=operator))[:2]
    codes = [item.code for item in items]
    calls = [
        redeem_call(provider, place, codes, price_cents=1500, key="caisse-1-ticket-42")
        for _ in range(16)
    ]

    outcomes = race(calls)

    won, lost = split(outcomes)
    assert lost == []
    assert len({result.redemption.pk for result in won}) == 1
    assert sorted(result.replayed for result in won) == [False] + [True] * 15
    assert Redemption.objects.count() == 1
    assert RedemptionLine.objects.count() == 2
    assert {item.status for item in Pass.objects.filter(pk__in=[i.pk for i in items])} == {
        PassStatus.REDEEMED
    }
    assert LedgerTransaction.objects.filter(kind=TransactionKind.REDEMPTION).count() == 1
    assert check_ledger() == []


def test_racing_undos_reverse_the_redemption_once(world):
    operator, sponsor, provider, place = world
    items = passes_of(make_order(sponsor=sponsor, operator=operator))[:2]
    redemption = redeem_call(provider, place, [i.code for i in items], price_cents=1500)()
    # One instance per thread: none may see another's success in memory.
    copies = [Redemption.objects.get(pk=redemption.redemption.pk) for _ in range(THREADS)]

    outcomes = race(
        [lambda copy=copy: undo_redemption(acting=provider, redemption=copy) for copy in copies]
    )

    done = [outcome for outcome in outcomes if isinstance(outcome, Redemption)]
    refused = [outcome for outcome in outcomes if not isinstance(outcome, Redemption)]
    assert len(done) == 1
    assert all(isinstance(error, AlreadyUndone) for error in refused), refused
    assert len(refused) == THREADS - 1
    kinds = Counter(LedgerTransaction.objects.values_list("kind", flat=True))
    assert kinds[TransactionKind.REDEMPTION_UNDO] == 1
    assert RedemptionLine.objects.filter(undone=False).count() == 0
    assert {item.status for item in Pass.objects.filter(pk__in=[i.pk for i in items])} == {
        PassStatus.ACTIVE
    }
    assert check_ledger() == []
