"""The platform itself as an actor, for scheduled work (the end-of-validity timeline, payouts):
every write names an actor, and a job started by the clock has no person behind it.

The system user (PASSNUM_SYSTEM_EMAIL) cannot log in (no usable password, not staff) and is a
member of the operator organisation, so its writes pass the same checks as operator staff's and
appear as such in every log. Created on first use; the operator organisation too, from the
operator settings, on an instance that has none yet.
"""

from django.conf import settings
from django.db import transaction

from passnum.accounts.enums import MemberRole, MembershipAction, OrganisationKind
from passnum.accounts.models import Membership, MembershipLog, Organisation, User
from passnum.accounts.selectors import Acting


def system_acting() -> Acting:
    with transaction.atomic():
        operator = (
            Organisation.objects.filter(kind=OrganisationKind.OPERATOR).order_by("pk").first()
        )
        user = User.objects.filter(email=settings.PASSNUM_SYSTEM_EMAIL).first()
        if user is None:
            user = User.objects.create_user(
                email=settings.PASSNUM_SYSTEM_EMAIL,
                password=None,
                first_name="passnum",
                last_name=str(settings.PASSNUM_SYSTEM_NAME),
            )
        if operator is None:
            from passnum.accounts.services.organisations import create_organisation

            operator = create_organisation(
                actor=None,
                name=settings.PASSNUM_OPERATOR_NAME,
                kind=OrganisationKind.OPERATOR,
                siren=settings.PASSNUM_OPERATOR_SIREN,
                admin=user,
            )
        membership = Membership.objects.filter(user=user, organisation=operator).first()
        if membership is None:
            membership = Membership.objects.create(
                user=user, organisation=operator, role=MemberRole.MEMBER
            )
            MembershipLog.objects.create(
                organisation=operator,
                user=user,
                email=user.email,
                action=MembershipAction.JOINED,
                role_after=MemberRole.MEMBER,
                actor=user,
            )
    return Acting(user=user, organisation=operator, membership=membership)
