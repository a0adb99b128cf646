"""The database is the last line of defence (PostgreSQL): raw SQL cannot change or delete what
money or audit depends on, while everything the services do still works."""

import pytest
from django.db import IntegrityError, connection, transaction

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import MembershipLog, User
from passnum.accounts.services import add_member, remove_member
from passnum.ledger.models import LedgerTransaction, Posting
from passnum.orders.models import Order, OrderTransition
from passnum.orders.services import cancel_order, create_order
from passnum.passes.enums import PassStatus
from passnum.passes.models import Booklet, Pass, PassEvent
from passnum.passes.services import block_passes, issue_passes
from passnum.places.models import FileTransition, PlaceTransition
from passnum.places.services import submit_file
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.services import undo_redemption
from tests.factories import UserFactory, make_acting, passes_of
from tests.places.test_files import complete_file
from tests.redemptions.test_redeem import redeem

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# (model, a change of one of its columns): UPDATE and DELETE refused.
APPEND_ONLY = [
    (Posting, "amount_cents = amount_cents + 1"),
    (LedgerTransaction, "memo = 'changed'"),
    (PassEvent, "pass_count = pass_count + 1"),
    (OrderTransition, "reason = 'changed'"),
    (PlaceTransition, "reason = 'changed'"),
    (FileTransition, "reason = 'changed'"),
    (MembershipLog, "email = 'changed@example.org'"),
]
# DELETE refused; their state changes through the services (UPDATE).
KEPT = [Pass, Booklet, Order, Redemption, RedemptionLine]


@pytest.fixture
def history(operator, sponsor, provider, place, paid_order):
    """One row at least in every protected table, each written by its service."""
    redemption = redeem(provider, place, passes_of(paid_order)[:1]).redemption
    block_passes(
        acting=operator,
        serial_first=passes_of(paid_order)[-1].serial,
        serial_last=passes_of(paid_order)[-1].serial,
        reason="Perdu",
    )
    cancel_order(acting=sponsor, order=create_order(acting=sponsor, quantity=10), reason="Erreur")
    add_member(actor=provider.user, organisation=provider.organisation, user=UserFactory())
    applicant = make_acting(OrganisationKind.PROVIDER)
    file, _place = complete_file(applicant)
    submit_file(acting=applicant, file=file)
    return redemption


def refused(sql: str, params: list) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as exc:
        assert "refused" in str(exc)
        return True
    return False


@pytest.mark.parametrize(("model", "change"), APPEND_ONLY, ids=lambda m: getattr(m, "__name__", ""))
def test_append_only_rows_can_be_neither_updated_nor_deleted(history, model, change):
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model.objects.values_list("pk", flat=True).first()
    assert pk is not None
    assert refused(f"UPDATE {table} SET {change} WHERE id = %s", [pk])  # noqa: S608
    assert refused(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
    assert refused(f"DELETE FROM {table}", [])  # noqa: S608
    assert model.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("model", KEPT, ids=lambda m: m.__name__)
def test_money_rows_cannot_be_deleted(history, model):
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model.objects.values_list("pk", flat=True).first()
    assert pk is not None
    assert refused(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
    assert model.objects.filter(pk=pk).exists()


def test_what_the_services_change_still_changes(history, operator, sponsor, provider):
    """Undo (redemption, lines, passes), issuing and cancelling, blocking: all UPDATEs."""
    undone = undo_redemption(acting=provider, redemption=history)
    assert undone.undone_at is not None
    assert not RedemptionLine.objects.filter(redemption=history, undone=False).exists()
    order = issue_passes(acting=operator, order=create_order(acting=sponsor, quantity=10))
    cancel_order(acting=sponsor, order=order, reason="Erreur")
    assert set(Pass.objects.filter(order=order).values_list("status", flat=True)) == {
        PassStatus.BLOCKED
    }
    assert check_ledger() == []


def test_a_deleted_person_leaves_the_membership_log_anonymous(provider):
    """The log's user and actor are SET_NULL foreign keys: that UPDATE alone is allowed."""
    person = UserFactory()
    membership = add_member(
        actor=provider.user, organisation=provider.organisation, user=person, role=MemberRole.ADMIN
    )
    remove_member(actor=person, membership=membership)
    logs = MembershipLog.objects.filter(email=person.email)
    assert logs.count() == 2
    User.objects.filter(pk=person.pk).delete()
    assert set(logs.values_list("user_id", "actor_id")) == {(None, provider.user.pk), (None, None)}
    table = connection.ops.quote_name(MembershipLog._meta.db_table)
    assert refused(
        f"UPDATE {table} SET actor_id = NULL, role_before = 'member' WHERE email = %s",  # noqa: S608
        [person.email],
    )
    assert refused(
        f"UPDATE {table} SET user_id = %s WHERE email = %s",  # noqa: S608
        [provider.user.pk, person.email],
    )
