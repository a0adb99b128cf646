from passnum.passes.enums import PassStatus
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.services import redeem_passes, undo_redemption
from tests.factories import a_service, offer, passes_of


def test_redeem_then_undo_keeps_the_ledger_balanced(provider, place, paid_order):
    items = passes_of(paid_order)[:2]
    offer(place, price_cents=1500)
    result = redeem_passes(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=1500,
        codes=[item.code for item in items],
    )
    assert result.redemption.amount_cents == 2000
    assert {p.status for p in passes_of(paid_order)[:2]} == {PassStatus.REDEEMED}
    assert check_ledger() == []
    undo_redemption(acting=provider, redemption=result.redemption)
    assert {p.status for p in passes_of(paid_order)[:2]} == {PassStatus.ACTIVE}
    assert check_ledger() == []
