"""The members' page and the invitation's page, end to end through the Django test client:
invite → e-mail → open the link → join (with an account or a new one) → act for the organisation."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import Invitation, Membership, User
from passnum.accounts.services import accept_invitation, revoke_invitation
from passnum.www.acting import SESSION_KEY
from tests.factories import PASSWORD, UserFactory, make_acting, make_invitation
from tests.www.test_pages import logged_in
from tests.www.test_qualification_pages import error_linked

pytestmark = pytest.mark.django_db

MEMBERS = "/membres/"
NEW_ACCOUNT = {
    "first_name": "Léa",
    "last_name": "Roux",
    "password1": "un-long-mot-de-passe",
    "password2": "un-long-mot-de-passe",
}


@pytest.fixture
def distributor(db):
    return make_acting(OrganisationKind.DISTRIBUTOR)


@pytest.fixture
def hub(db):
    return make_acting(OrganisationKind.HUB)


def member_of(acting, role=MemberRole.MEMBER):
    return make_acting(acting.organisation.kind, organisation=acting.organisation, role=role)


def link_path(secret: str) -> str:
    return reverse("invitation", args=[secret])


# --- The members' page ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(OrganisationKind))
def test_every_organisation_has_a_members_page_linked_from_the_header(kind):
    admin = make_acting(kind)
    client = logged_in(admin)
    assert f'href="{MEMBERS}"' in client.get("/").text
    page = client.get(MEMBERS)
    assert page.status_code == 200
    assert admin.user.email in page.text and 'id="invite"' in page.text


def test_the_page_lists_only_the_acting_organisations_members_and_invitations(sponsor):
    colleague = member_of(sponsor)
    make_invitation(sponsor, email="waiting@example.org", role=MemberRole.ADMIN)
    other = make_acting(OrganisationKind.SPONSOR)
    make_invitation(other, email="elsewhere@example.org")
    page = logged_in(colleague).get(MEMBERS).text
    members = page.split('id="members"')[1].split("</table>")[0]
    invitations = page.split('id="invitations"')[1].split("</table>")[0]
    assert sponsor.user.email in members and colleague.user.email in members
    assert "Administrateur" in members and "Membre" in members
    assert "waiting@example.org" in invitations and "Administrateur" in invitations
    assert other.user.email not in page and "elsewhere@example.org" not in page


def test_a_member_who_is_not_administrator_sees_no_controls_and_cannot_post_them(sponsor):
    colleague, other = member_of(sponsor), member_of(sponsor)
    issued = make_invitation(sponsor)
    client = logged_in(colleague)
    page = client.get(MEMBERS).text
    assert 'id="invite"' not in page and "Annuler l'invitation" not in page
    assert "Changer le rôle" not in page and "Quitter l'organisation" in page
    forbidden = [
        (MEMBERS, {"email": "x@example.org", "role": "member"}),
        (reverse("invitation_revoke", args=[issued.invitation.pk]), {}),
        (reverse("member_role", args=[other.membership.pk]), {"role": "admin"}),
        (reverse("member_role", args=[colleague.membership.pk]), {"role": "admin"}),
        (reverse("member_remove", args=[other.membership.pk]), {}),
    ]
    for path, data in forbidden:
        assert client.post(path, data).status_code == 403, path
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().revoked_at is None
    assert Membership.objects.filter(organisation=sponsor.organisation).count() == 3
    assert Membership.objects.get(pk=colleague.membership.pk).role == MemberRole.MEMBER


def test_an_administrator_cannot_reach_another_organisations_members(sponsor):
    other = make_acting(OrganisationKind.PROVIDER)
    theirs = make_invitation(other)
    client = logged_in(sponsor)
    for path, data in [
        (reverse("invitation_revoke", args=[theirs.invitation.pk]), {}),
        (reverse("member_role", args=[other.membership.pk]), {"role": "member"}),
        (reverse("member_remove", args=[other.membership.pk]), {}),
    ]:
        assert client.post(path, data).status_code == 404, path
    assert Invitation.objects.get(pk=theirs.invitation.pk).revoked_at is None
    assert Membership.objects.filter(pk=other.membership.pk).exists()


def test_the_invite_form_shows_errors_next_to_the_field(sponsor):
    colleague = member_of(sponsor)
    client = logged_in(sponsor)
    response = client.post(MEMBERS, {"email": "not-an-address", "role": "member"})
    assert response.status_code == 400 and error_linked(response.text, "email")
    response = client.post(MEMBERS, {"email": colleague.user.email.upper(), "role": "member"})
    assert response.status_code == 400 and error_linked(response.text, "email")
    assert "déjà membre" in response.text
    assert not Invitation.objects.exists()


def test_an_administrator_revokes_an_invitation_and_changes_and_removes_members(sponsor):
    colleague, leaving = member_of(sponsor), member_of(sponsor)
    issued = make_invitation(sponsor, email="cancel@example.org")
    client = logged_in(sponsor)
    response = client.post(reverse("invitation_revoke", args=[issued.invitation.pk]), follow=True)
    assert "cancel@example.org est annulée" in response.text
    assert Invitation.objects.get(pk=issued.invitation.pk).revoked_at is not None
    client.post(reverse("member_role", args=[colleague.membership.pk]), {"role": "admin"})
    assert Membership.objects.get(pk=colleague.membership.pk).role == MemberRole.ADMIN
    response = client.post(reverse("member_remove", args=[leaving.membership.pk]), follow=True)
    assert "ne fait plus partie" in response.text
    assert not Membership.objects.filter(pk=leaving.membership.pk).exists()


def test_the_last_administrator_is_told_why_they_keep_the_role(sponsor):
    client = logged_in(sponsor)
    response = client.post(
        reverse("member_role", args=[sponsor.membership.pk]), {"role": "member"}, follow=True
    )
    assert "au moins un administrateur" in response.text
    response = client.post(reverse("member_remove", args=[sponsor.membership.pk]), follow=True)
    assert "au moins un administrateur" in response.text
    assert Membership.objects.get(pk=sponsor.membership.pk).role == MemberRole.ADMIN


def test_a_member_leaves_the_organisation(sponsor):
    colleague = member_of(sponsor)
    client = logged_in(colleague)
    client.get(MEMBERS)
    response = client.post(reverse("member_remove", args=[colleague.membership.pk]))
    assert response.status_code == 302 and response.url == reverse("home")
    assert not Membership.objects.filter(pk=colleague.membership.pk).exists()
    assert client.get(MEMBERS).status_code == 403  # no organisation left to act for


# --- Invite → e-mail → link → new account → member -----------------------------------------------


def test_invite_then_the_link_creates_the_account_and_logs_in_as_a_member(
    distributor, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://pass.example.fr"
    admin = logged_in(distributor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(MEMBERS, {"email": "Lea.Roux@Example.org", "role": "admin"})
    assert response.status_code == 302
    assert "lea.roux@example.org" in admin.get(MEMBERS).text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lea.roux@example.org"]
    found = re.search(r"https://pass\.example\.fr(/invitation/[^/\s]+/)", mail.outbox[0].body)
    assert found is not None
    path = found.group(1)

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert distributor.organisation.name in page.text and "Administrateur" in page.text
    assert distributor.user.get_full_name() in page.text
    assert 'name="password1"' in page.text and "no-cache" in page.headers["Cache-Control"]
    response = visitor.post(path, NEW_ACCOUNT)
    assert response.status_code == 302 and response.url == reverse("home")
    user = User.objects.get(email="lea.roux@example.org")
    assert (user.first_name, user.last_name) == ("Léa", "Roux")
    assert int(visitor.session["_auth_user_id"]) == user.pk
    assert visitor.session[SESSION_KEY] == distributor.organisation.pk
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role) == (
        distributor.organisation,
        MemberRole.ADMIN,
    )
    home = visitor.get("/").text
    assert "Bienvenue" in home and distributor.organisation.name in home
    assert user.email in visitor.get(MEMBERS).text
    # the link has done its work
    again = Client().get(path)
    assert again.status_code == 410 and "déjà été acceptée" in again.text


def test_a_weak_password_is_shown_next_to_its_field_and_creates_nothing(distributor):
    issued = make_invitation(distributor, email="weak@example.org")
    response = Client().post(
        link_path(issued.secret), {**NEW_ACCOUNT, "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 400 and error_linked(response.text, "password1")
    response = Client().post(link_path(issued.secret), {**NEW_ACCOUNT, "password2": "different"})
    assert response.status_code == 400 and error_linked(response.text, "password2")
    assert not User.objects.filter(email="weak@example.org").exists()


# --- The invitation's page for someone logged in, or with an account ----------------------------


def test_a_logged_in_person_with_the_invited_address_joins_with_one_click(hub):
    person = make_acting(OrganisationKind.SPONSOR)  # already a member elsewhere
    issued = make_invitation(hub, email=person.user.email)
    client = logged_in(person)
    client.get("/")
    page = client.get(link_path(issued.secret)).text
    assert "Rejoindre</button>" in page and 'name="password1"' not in page
    response = client.post(link_path(issued.secret))
    assert response.status_code == 302
    assert Membership.objects.filter(user=person.user, organisation=hub.organisation).count() == 1
    assert client.session[SESSION_KEY] == hub.organisation.pk
    again = client.get(link_path(issued.secret))
    assert again.status_code == 410


def test_a_person_logged_in_with_another_address_is_told_so_and_does_not_join(hub):
    issued = make_invitation(hub, email="invited@example.org")
    other = make_acting(OrganisationKind.SPONSOR)
    client = logged_in(other)
    page = client.get(link_path(issued.secret)).text
    assert 'id="other-email"' in page and "invited@example.org" in page
    assert other.user.email in page and "Rejoindre</button>" not in page
    client.post(link_path(issued.secret))
    assert not Membership.objects.filter(user=other.user, organisation=hub.organisation).exists()
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_at is None


def test_a_person_with_an_account_logs_in_and_comes_back_to_join(hub):
    user = UserFactory(email="has.account@example.org")
    issued = make_invitation(hub, email="has.account@example.org")
    client = Client()
    page = client.get(link_path(issued.secret)).text
    assert 'id="login-link"' in page and 'name="password1"' not in page
    found = re.search(r'href="([^"]+)" id="login-link"', page)
    assert found is not None
    href = found.group(1).replace("&amp;", "&")
    assert href.startswith(reverse("login") + "?next=")
    response = client.post(
        href, {"username": user.email, "password": PASSWORD, "next": link_path(issued.secret)}
    )
    assert response.status_code == 302 and response.url == link_path(issued.secret)
    client.post(link_path(issued.secret))
    assert Membership.objects.filter(user=user, organisation=hub.organisation).exists()


def test_a_member_already_is_told_so(hub):
    colleague = member_of(hub)
    issued = make_invitation(hub, email="later@example.org")
    # the address became the colleague's meanwhile
    User.objects.filter(pk=colleague.user.pk).update(email="later@example.org")
    colleague.user.refresh_from_db()
    page = logged_in(colleague).get(link_path(issued.secret)).text
    assert "déjà membre" in page and "Rejoindre</button>" not in page


# --- Links that no longer work -------------------------------------------------------------------


def test_unknown_expired_revoked_and_accepted_links_say_why(hub):
    assert Client().get(link_path("not-a-secret")).status_code == 404
    expired = make_invitation(hub, email="expired@example.org")
    Invitation.objects.filter(pk=expired.invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    revoked = make_invitation(hub, email="revoked@example.org")
    revoke_invitation(actor=hub.user, invitation=revoked.invitation)
    accepted = make_invitation(hub, email="accepted@example.org")
    accept_invitation(secret=accepted.secret, user=UserFactory(email="accepted@example.org"))
    for issued, words in [
        (expired, "a expiré le"),
        (revoked, "a été annulée"),
        (accepted, "déjà été acceptée"),
    ]:
        for response in (
            Client().get(link_path(issued.secret)),
            Client().post(link_path(issued.secret), NEW_ACCOUNT),
        ):
            assert response.status_code == 410 and words in response.text
    assert not User.objects.filter(
        email__in=["expired@example.org", "revoked@example.org"]
    ).exists()
