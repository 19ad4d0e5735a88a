"""A leaked personal link can be cancelled, by the member or by an organiser (audited)."""

import pytest
from django.core import mail
from django.urls import reverse

from members import tokens
from members.models import AuditEvent, Member, User
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _manage_url(member):
    return reverse("members:manage", args=[tokens.make_token(member, tokens.MANAGE)])


def test_a_member_cancels_every_link_they_were_sent(client):
    member = MemberFactory(status=Member.Status.CONFIRMED)
    first, second = _manage_url(member), _manage_url(member)
    page = client.get(first).content.decode()
    assert "Cancel all my links" in page
    token = first.strip("/").split("/")[-1]
    response = client.post(reverse("members:manage_cancel_links", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("members:links_cancelled")
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 400
    assert Member.objects.filter(pk=member.pk).exists()  # the record is kept
    event = AuditEvent.objects.get(detail="personal links cancelled")
    assert (event.actor_label, event.object_id) == ("member", str(member.pk))
    assert "join again" in client.get(reverse("members:links_cancelled")).content.decode()


def test_an_organiser_cancels_a_members_links_from_the_admin(client):
    member = MemberFactory(status=Member.Status.CONFIRMED)
    old = _manage_url(member)
    organiser = UserFactory(role=User.Role.NATIONAL, is_superuser=True)
    client.force_login(organiser)
    response = client.post(
        reverse("admin:members_member_changelist"),
        {"action": "cancel_links", "_selected_action": [member.pk]},
    )
    assert response.status_code == 302
    client.logout()
    assert client.get(old).status_code == 400
    event = AuditEvent.objects.get(detail="personal links cancelled")
    assert event.actor == organiser


def test_every_email_with_a_personal_link_says_how_to_cancel_it():
    from members.tasks import render_member_email

    member = MemberFactory(status=Member.Status.CONFIRMED)
    for kind in ("confirm", "confirm_again", "already_joined", "welcome", "update_branch"):
        _, body = render_member_email(member, kind)
        assert "Cancel all my links" in body, kind
    assert mail.outbox == []
