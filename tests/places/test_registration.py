"""Sign-up of a provider: the person, the structure and its file, together or not at all."""

import pytest

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import Membership, Organisation, User
from passnum.core.exceptions import DomainError
from passnum.places.enums import FileStatus
from passnum.places.models import ProviderFile
from passnum.places.services import register_provider
from passnum.places.services.registration import EmailTaken, InvalidRegistration, WeakPassword
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "email": "Aicha.Benali@Example.org",
    "password": "un-long-mot-de-passe",
    "first_name": " Aïcha ",
    "last_name": "Benali",
    "organisation_name": "Association Clic",
    "siren": "732 829 320",
}


def nothing_created() -> bool:
    return not (
        User.objects.exists()
        or Organisation.objects.exists()
        or Membership.objects.exists()
        or ProviderFile.objects.exists()
    )


def test_the_person_the_provider_and_its_file_are_created_together():
    acting = register_provider(**SIGN_UP)
    user, organisation = acting.user, acting.organisation
    assert user.email == "Aicha.Benali@example.org"  # the domain is lower-cased
    assert (user.first_name, user.last_name) == ("Aïcha", "Benali")
    assert user.check_password("un-long-mot-de-passe") and not user.is_staff
    assert organisation.kind == OrganisationKind.PROVIDER
    assert (organisation.name, organisation.siren) == ("Association Clic", "732829320")
    assert acting.membership.role == MemberRole.ADMIN
    assert list(organisation.memberships.values_list("user", flat=True)) == [user.pk]
    file = ProviderFile.objects.get(organisation=organisation)
    assert file.status == FileStatus.DRAFT


@pytest.mark.parametrize("email", ["aicha.benali@example.org", "AICHA.BENALI@EXAMPLE.ORG"])
def test_an_address_already_used_is_refused_with_its_code(email):
    UserFactory(email=email)
    with pytest.raises(EmailTaken) as refused:
        register_provider(**SIGN_UP)
    assert refused.value.code == "email_taken" and refused.value.field == "email"
    assert "connectez-vous" in str(refused.value)
    assert User.objects.count() == 1 and not Organisation.objects.exists()


@pytest.mark.parametrize(
    "password, why",
    [("court", "trop court"), ("password123", "trop courant"), ("8261537490", "numérique")],
)
def test_a_weak_password_is_refused_by_django_s_validators(password, why):
    with pytest.raises(WeakPassword, match=why) as refused:
        register_provider(**{**SIGN_UP, "password": password})
    assert refused.value.code == "weak_password" and refused.value.field == "password"
    assert refused.value.details  # one entry per failed validator
    assert nothing_created()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"siren": "123456789"}, "siren"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"organisation_name": "  "}, "organisation_name"),
        ({"last_name": ""}, "last_name"),
    ],
)
def test_other_bad_input_names_its_field(changes, field):
    with pytest.raises(InvalidRegistration) as refused:
        register_provider(**{**SIGN_UP, **changes})
    assert refused.value.field == field
    assert nothing_created()


def test_one_transaction_a_failure_at_the_last_step_leaves_nothing(monkeypatch):
    def broken(**kwargs):
        raise DomainError("panne")

    monkeypatch.setattr("passnum.places.services.registration.open_file", broken)
    with pytest.raises(DomainError, match="panne"):
        register_provider(**SIGN_UP)
    assert nothing_created()
