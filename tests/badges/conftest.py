import pytest

from tests.factories import make_order, passes_of
from tests.redemptions.test_redeem import redeem


@pytest.fixture
def redemption(sponsor, operator, provider, place):
    """A pass used at `place` (its service: `a_service()`), the redemption."""
    order = make_order(sponsor=sponsor, operator=operator, quantity=10)
    return redeem(provider, place, [passes_of(order)[0]]).redemption
