"""Awarding, naming and revoking skill badges: a place awards only at its own live redemptions,
within PASSNUM_BADGE_DAYS, for a competence of the service rendered; the holder adds a name
through the signed link; the place or operator staff revoke it, and verification then fails."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.badges import services
from passnum.badges.exceptions import (
    BadgeAlreadyAwarded,
    BadgeAlreadyNamed,
    BadgeAlreadyRevoked,
    BadgeNotPossible,
)
from passnum.badges.models import Badge
from passnum.catalogue.models import Competence
from passnum.core.exceptions import InvalidInput, NotFound
from passnum.redemptions.services import undo_redemption
from tests.factories import PlaceFactory, make_acting, make_badge
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db


def competence_outside(service) -> Competence:
    found = Competence.objects.exclude(pk__in=service.competences.all()).first()
    assert found is not None
    return found


def test_a_place_awards_a_badge_for_a_competence_of_the_service(provider, redemption):
    competence = redemption.service.competences.order_by("code").first()
    badge = make_badge(provider, redemption, competence=competence)
    assert (badge.place_id, badge.competence, badge.holder_name) == (
        redemption.place_id,
        competence,
        "",
    )
    assert badge.awarded_by == provider.user and badge.revoked_at is None
    with pytest.raises(BadgeAlreadyAwarded):
        make_badge(provider, redemption, competence=competence)
    with pytest.raises(BadgeNotPossible):
        make_badge(provider, redemption, competence=competence_outside(redemption.service))
    assert Badge.objects.count() == 1


def test_only_the_redemptions_organisation_awards(redemption):
    other = make_acting(OrganisationKind.PROVIDER)
    PlaceFactory(organisation=other.organisation)
    with pytest.raises(NotFound):
        make_badge(other, redemption)
    client = logged_in(other)
    url = reverse("badges:award", kwargs={"redemption_id": redemption.pk})
    assert client.get(url).status_code == 404
    competence = redemption.service.competences.first()
    assert client.post(url, {"competence": competence.code}).status_code == 404
    listed = client.get(reverse("badges:award_list"))
    assert listed.status_code == 200 and url not in listed.text
    assert not Badge.objects.exists()


def test_not_on_an_undone_redemption_nor_too_late(provider, redemption, settings):
    settings.PASSNUM_BADGE_DAYS = 30
    later = timezone.now() + datetime.timedelta(days=31)
    with (
        time_machine.travel(later, tick=False),
        pytest.raises(BadgeNotPossible, match="30 jours"),
    ):
        make_badge(provider, redemption)
    undo_redemption(acting=provider, redemption=redemption)
    with pytest.raises(BadgeNotPossible, match="annulée"):
        make_badge(provider, redemption)


def test_award_from_the_places_pages(provider, redemption):
    client = logged_in(provider)
    listed = client.get(reverse("badges:award_list"))
    url = reverse("badges:award", kwargs={"redemption_id": redemption.pk})
    assert listed.status_code == 200 and url in listed.text
    competence = redemption.service.competences.order_by("code").first()
    wrong = client.post(url, {"competence": competence_outside(redemption.service).code})
    assert wrong.status_code == 400 and not Badge.objects.exists()
    done = client.post(url, {"competence": competence.code, "holder_name": "  Awa   Diallo "})
    badge = Badge.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "badges:manage", kwargs={"public_id": badge.public_id}
    )
    assert badge.holder_name == "Awa Diallo"
    page = client.get(done["Location"])
    assert page.status_code == 200 and "Awa Diallo" in page.text
    # the awarded competence is no longer offered for this redemption
    assert f'value="{competence.code}"' not in client.get(url).text


def test_the_holder_adds_a_name_once_through_the_link(provider, redemption):
    badge = make_badge(provider, redemption)
    manage = logged_in(provider).get(
        reverse("badges:manage", kwargs={"public_id": badge.public_id})
    )
    link = services.name_url(badge)
    assert link in manage.text
    path = "/" + link.split("/", 3)[3]
    client = Client()
    assert client.get(path).status_code == 200
    assert client.post(path, {"holder_name": "\x00"}).status_code == 400
    done = client.post(path, {"holder_name": "Jean Dupont"})
    assert done.status_code == 302
    badge.refresh_from_db()
    assert badge.holder_name == "Jean Dupont"
    with pytest.raises(BadgeAlreadyNamed):
        services.name_badge(badge=badge, holder_name="Quelqu'un d'autre")
    again = client.post(path, {"holder_name": "Quelqu'un"})
    assert again.status_code == 400 and "ne peut plus recevoir de nom" in again.text
    badge.refresh_from_db()
    assert badge.holder_name == "Jean Dupont"
    forged = client.get(reverse("badges:name", kwargs={"token": "abc:def"}))
    assert forged.status_code == 404


def test_revocation_by_the_place_or_the_operator_only(provider, redemption, operator):
    first = make_badge(provider, redemption)
    competences = list(redemption.service.competences.order_by("code"))
    other = make_acting(OrganisationKind.PROVIDER)
    with pytest.raises(NotFound):
        services.revoke_badge(acting=other, badge=first, reason="Erreur")
    with pytest.raises(InvalidInput):
        services.revoke_badge(acting=provider, badge=first, reason="  ")
    revoked = services.revoke_badge(acting=provider, badge=first, reason="Attribué par erreur")
    assert (revoked.revoked_by, revoked.revoke_reason) == (provider.user, "Attribué par erreur")
    with pytest.raises(BadgeAlreadyRevoked):
        services.revoke_badge(acting=provider, badge=first, reason="Encore")
    if len(competences) > 1:
        second = make_badge(provider, redemption, competence=competences[1])
        client = logged_in(operator)
        url = reverse("badges:revoke", kwargs={"public_id": second.public_id})
        assert client.post(url, {"reason": "Signalement"}).status_code == 302
        second.refresh_from_db()
        assert second.revoked_by == operator.user
    # another provider sees neither the badge nor the page to revoke it
    client = logged_in(other)
    manage = reverse("badges:manage", kwargs={"public_id": first.public_id})
    assert client.get(manage).status_code == 404
    assert first.public_id.hex not in client.get(reverse("badges:awarded")).text


def test_a_revoked_badge_fails_verification_with_its_reason(provider, redemption):
    badge = make_badge(provider, redemption)
    url = reverse("badges:verify")
    ok = Client().get(url, {"badge": str(badge.public_id)})
    assert ok.status_code == 200 and "Badge authentique et valable" in ok.text
    services.revoke_badge(acting=provider, badge=badge, reason="Attribué par erreur")
    for text in (str(badge.public_id), badge_jwt(badge)):
        refused = Client().get(url, {"badge": text})
        assert "Badge authentique" not in refused.text
        assert "a été retiré" in refused.text and "Attribué par erreur" in refused.text
    assert "plus valable" in Client().get(reverse("badges:badge", args=[badge.public_id])).text


def test_a_badge_of_an_undone_redemption_fails_verification(provider, redemption):
    badge = make_badge(provider, redemption)
    undo_redemption(acting=provider, redemption=redemption)
    refused = Client().get(reverse("badges:verify"), {"badge": str(badge.public_id)})
    assert "annulé" in refused.text and "Badge authentique" not in refused.text


def badge_jwt(badge) -> str:
    return Client().get(reverse("badges:jwt", kwargs={"public_id": badge.public_id})).text


@pytest.mark.postgres
def test_badges_are_kept_as_awarded_on_postgresql(provider, redemption):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL triggers")
    badge = make_badge(provider, redemption)
    other = redemption.service.competences.order_by("-code").first()
    for sql, params in (
        ("UPDATE badges_badge SET competence_id = %s WHERE id = %s", [other.pk, badge.pk]),
        ("UPDATE badges_badge SET awarded_at = now() WHERE id = %s", [badge.pk]),
        ("DELETE FROM badges_badge WHERE id = %s", [badge.pk]),
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    services.name_badge(badge=badge, holder_name="Awa")
    services.revoke_badge(acting=provider, badge=badge, reason="Erreur")
    badge.refresh_from_db()
    assert (badge.holder_name, badge.revoke_reason) == ("Awa", "Erreur")
