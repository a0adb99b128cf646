"""Real threads racing on PostgreSQL over one organisation's members: it never loses its last
administrator, an invitation makes one account and one membership, an address has one pending
invitation. Each thread has its own connection, as concurrent requests would."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.exceptions import (
    AccountExists,
    InvitationAlreadyAccepted,
    InvitationConflict,
    LastAdmin,
    NotAnAdmin,
)
from passnum.accounts.models import Invitation, Membership, User
from passnum.accounts.services import (
    IssuedInvitation,
    accept_invitation_with_account,
    change_member_role,
    remove_member,
)
from tests.factories import make_acting, make_invitation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread, all released together; its result or its exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            connection.ensure_connection()
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


def admins(organisation) -> int:
    return Membership.objects.filter(organisation=organisation, role=MemberRole.ADMIN).count()


def test_admins_stepping_down_or_leaving_at_once_leave_one_admin():
    first = make_acting(OrganisationKind.SPONSOR)
    others = [
        make_acting(OrganisationKind.SPONSOR, organisation=first.organisation)
        for _ in range(THREADS - 1)
    ]
    everyone = [first, *others]
    calls: list[Callable[[], Any]] = []
    for index, acting in enumerate(everyone):
        if index % 2:
            calls.append(lambda a=acting: remove_member(actor=a.user, membership=a.membership))
        else:
            calls.append(
                lambda a=acting: change_member_role(
                    actor=a.user, membership=a.membership, role=MemberRole.MEMBER
                )
            )
    outcomes = race(calls)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(o, LastAdmin | NotAnAdmin) for o in refused), refused
    assert len(refused) == 1
    assert admins(first.organisation) == 1


def test_one_invitation_opened_in_many_tabs_makes_one_account_and_one_membership():
    admin = make_acting(OrganisationKind.PROVIDER)
    issued = make_invitation(admin, email="tabs@example.org")
    outcomes = race(
        [
            lambda: accept_invitation_with_account(
                secret=issued.secret,
                password="un-long-mot-de-passe",
                first_name="Léa",
                last_name="Roux",
            )
        ]
        * THREADS
    )
    won = [o for o in outcomes if isinstance(o, Membership)]
    assert len(won) == 1, outcomes
    assert all(
        isinstance(o, AccountExists | InvitationAlreadyAccepted) for o in outcomes if o not in won
    ), outcomes
    assert User.objects.filter(email="tabs@example.org").count() == 1
    assert Membership.objects.filter(user__email="tabs@example.org").count() == 1


def test_an_address_invited_many_times_at_once_has_one_pending_invitation():
    admin = make_acting(OrganisationKind.HUB)
    outcomes = race([lambda: make_invitation(admin, email="busy@example.org")] * THREADS)
    assert all(isinstance(o, IssuedInvitation | InvitationConflict) for o in outcomes), outcomes
    assert any(isinstance(o, IssuedInvitation) for o in outcomes)
    pending = Invitation.objects.filter(
        email="busy@example.org", accepted_at__isnull=True, revoked_at__isnull=True
    )
    assert pending.count() == 1
