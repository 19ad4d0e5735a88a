"""Double opt-in: the signed, expiring confirmation link and its Confirm button."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members import tokens
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def confirm_url(member):
    return reverse("members:join_confirm", args=[tokens.make_token(member, tokens.CONFIRM)])


def test_get_shows_button_and_confirms_nothing(client, django_assert_max_num_queries):
    """Mail scanners open links: a GET must not confirm."""
    member = MemberFactory(status=Member.Status.PENDING)
    with django_assert_max_num_queries(2):
        response = client.get(confirm_url(member))
    assert response.status_code == 200
    assert '<button type="submit" class="button">Confirm</button>' in response.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING


def test_post_confirms_and_records_time_and_address(client, django_capture_on_commit_callbacks):
    member = MemberFactory(status=Member.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(member), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:join_welcome")
    member.refresh_from_db()
    assert member.status == Member.Status.CONFIRMED
    assert member.confirmed_ip == "203.0.113.9"
    assert timezone.now() - member.confirmed_at < timedelta(minutes=1)
    assert mail.outbox[0].subject == "Welcome to Rank and File"
    assert "/me/" in mail.outbox[0].body


def test_confirming_twice_is_harmless(client, django_capture_on_commit_callbacks):
    member = MemberFactory(status=Member.Status.PENDING)
    url = confirm_url(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, REMOTE_ADDR="203.0.113.9")
        client.post(url, REMOTE_ADDR="198.51.100.1")
    member.refresh_from_db()
    assert member.confirmed_ip == "203.0.113.9"
    assert len(mail.outbox) == 1


def test_expired_link_is_refused(client, time_machine):
    time_machine.move_to("2026-03-01 12:00Z", tick=False)
    member = MemberFactory(status=Member.Status.PENDING)
    url = confirm_url(member)
    time_machine.move_to("2026-03-09 12:00Z", tick=False)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "expired or is not valid" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING


@pytest.mark.parametrize("mangle", ["flip", "other_salt", "garbage", "other_member_secret"])
def test_tampered_link_is_refused(client, mangle):
    member = MemberFactory(status=Member.Status.PENDING)
    token = tokens.make_token(member, tokens.CONFIRM)
    if mangle == "flip":
        token = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    elif mangle == "other_salt":
        token = tokens.make_token(member, tokens.MANAGE)
    elif mangle == "garbage":
        token = "not-a-token"
    else:
        member.secret = "changed"
        member.save()
    response = client.post(reverse("members:join_confirm", args=[token]))
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING


def test_welcome_page(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("members:join_welcome"))
    assert "nominate our candidates" in response.content.decode()


def test_link_of_a_member_who_left_is_refused(client):
    member = MemberFactory(status=Member.Status.LEFT)
    assert client.get(confirm_url(member)).status_code == 400
