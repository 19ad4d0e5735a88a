"""Replying to an event without an account, the emails, and cancelling by link."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaign.events import services
from campaign.models import EventRSVP
from tests.campaign.factories import EventFactory, EventRSVPFactory
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _reply(client, event, data, capture):
    with capture(execute=True):
        return client.post(reverse("campaign:event_rsvp", args=[event.slug]), data)


def _cancel_url(body: str) -> str:
    return re.search(r"https?://\S+(/events/cancel/\S+/)", body).group(1)


def test_a_reply_is_saved_and_confirmed_by_email_with_a_cancel_link(
    client, reply_data, django_capture_on_commit_callbacks
):
    event = EventFactory(title="Pay meeting")
    branch = BranchFactory()
    response = _reply(
        client, event, reply_data(branch=str(branch.pk)), django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("campaign:event_rsvp_done", args=[event.slug])
    rsvp = EventRSVP.objects.get()
    assert (rsvp.name, rsvp.email, rsvp.branch) == ("Ada Lovelace", "ada@example.org", branch)
    assert rsvp.consent_version == 1
    assert rsvp.is_live
    [email] = mail.outbox
    assert email.to == ["ada@example.org"]
    assert "Pay meeting" in email.subject
    assert "Trades council hall" in email.body
    assert "/events/cancel/" in email.body


def test_the_form_page_shows_the_consent_wording_and_is_never_cached(client):
    event = EventFactory()
    response = client.get(reverse("campaign:event_rsvp", args=[event.slug]))
    assert response.status_code == 200
    assert "I agree that Rank and File may hold my name" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_cancelling_takes_a_post_and_is_idempotent(
    client, reply_data, django_capture_on_commit_callbacks
):
    event = EventFactory()
    _reply(client, event, reply_data(), django_capture_on_commit_callbacks)
    url = _cancel_url(mail.outbox[0].body)
    page = client.get(url)
    assert page.status_code == 200
    assert "Cancel my reply" in page.content.decode()
    assert EventRSVP.objects.get().is_live  # a mail scanner's GET cancels nothing
    done = client.post(url)
    assert "Your reply is cancelled" in done.content.decode()
    assert not EventRSVP.objects.get().is_live
    assert client.post(url).status_code == 200  # again: still cancelled, no error


def test_a_tampered_cancel_link_is_refused(client):
    rsvp = EventRSVPFactory()
    token = services.cancel_token(rsvp)
    assert client.get(reverse("campaign:event_cancel", args=[token[:-2] + "xx"])).status_code == 400
    rsvp.secret = "changed"
    rsvp.save()
    assert client.get(reverse("campaign:event_cancel", args=[token])).status_code == 400


def test_a_second_reply_from_the_same_address_saves_nothing_and_looks_the_same(
    client, reply_data, django_capture_on_commit_callbacks, settings
):
    settings.MEMBERS_RESEND_INTERVAL = timedelta(0)
    event = EventFactory()
    first = _reply(client, event, reply_data(), django_capture_on_commit_callbacks)
    again = _reply(
        client,
        event,
        reply_data(email="ADA@example.org", name="Someone Else"),
        django_capture_on_commit_callbacks,
    )
    assert first["Location"] == again["Location"]
    rsvp = EventRSVP.objects.get()
    assert rsvp.name == "Ada Lovelace"  # details are not overwritten by anyone who types it
    assert len(mail.outbox) == 2  # the confirmation again, to the address itself


def test_a_double_click_sends_one_email(client, reply_data, django_capture_on_commit_callbacks):
    event = EventFactory()
    _reply(client, event, reply_data(), django_capture_on_commit_callbacks)
    _reply(client, event, reply_data(), django_capture_on_commit_callbacks)
    assert EventRSVP.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_cancelled_reply_can_be_made_again(
    client, reply_data, django_capture_on_commit_callbacks
):
    event = EventFactory()
    EventRSVPFactory(event=event, email="ada@example.org", cancelled_at=timezone.now())
    _reply(client, event, reply_data(), django_capture_on_commit_callbacks)
    assert EventRSVP.objects.filter(cancelled_at__isnull=True).count() == 1


def test_members_only_keeps_replies_only_from_confirmed_members_and_looks_the_same(
    client, reply_data, django_capture_on_commit_callbacks
):
    event = EventFactory(audience="members")
    MemberFactory(email="member@example.org", status="confirmed")
    MemberFactory(email="pending@example.org", status="pending")
    answers = [
        _reply(client, event, reply_data(email=e), django_capture_on_commit_callbacks)
        for e in ("member@example.org", "stranger@example.org", "pending@example.org")
    ]
    assert {a.status_code for a in answers} == {302}
    assert {a["Location"] for a in answers} == {
        reverse("campaign:event_rsvp_done", args=[event.slug])
    }
    assert list(EventRSVP.objects.values_list("email", flat=True)) == ["member@example.org"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "Trades council hall" in by_address["member@example.org"].body
    for other in ("stranger@example.org", "pending@example.org"):
        assert "is for members" in by_address[other].subject
        assert "Trades council hall" not in by_address[other].body


def test_a_full_event_refuses_every_reply_alike(
    client, reply_data, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1)
    EventRSVPFactory(event=event, email="first@example.org")
    for email in ("first@example.org", "new@example.org"):
        response = _reply(
            client, event, reply_data(email=email), django_capture_on_commit_callbacks
        )
        assert response.status_code == 400
        assert "This event is full." in response.content.decode()
    assert EventRSVP.objects.count() == 1
    assert mail.outbox == []


def test_a_cancelled_place_is_free_again(client, reply_data, django_capture_on_commit_callbacks):
    event = EventFactory(capacity=1)
    EventRSVPFactory(event=event, cancelled_at=timezone.now())
    assert (
        _reply(client, event, reply_data(), django_capture_on_commit_callbacks).status_code == 302
    )


def test_replies_close_when_the_event_starts(
    client, reply_data, django_capture_on_commit_callbacks
):
    event = EventFactory(starts_at=timezone.now() - timedelta(minutes=5))
    response = _reply(client, event, reply_data(), django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Replies to this event have closed." in response.content.decode()
    assert not EventRSVP.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": None}, "Tick the box to agree"),
        ({"email": "not-an-address"}, "Enter an email address in the correct format"),
        ({"name": ""}, "Enter your name"),
        ({"website": "http://spam"}, "Leave the field"),
        ({"started": "forged"}, "This form has expired"),
        ({"branch": "999999"}, "Choose your branch from the list"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(
    client, reply_data, django_capture_on_commit_callbacks, overrides, message
):
    event = EventFactory()
    response = _reply(client, event, reply_data(**overrides), django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EventRSVP.objects.exists()
    assert mail.outbox == []


def test_a_reply_too_fast_for_a_person_is_refused(
    client, reply_data, settings, django_capture_on_commit_callbacks
):
    settings.MEMBERS_JOIN_MIN_SECONDS = 3
    response = _reply(client, EventFactory(), reply_data(), django_capture_on_commit_callbacks)
    assert "quicker than we expected" in response.content.decode()
    assert not EventRSVP.objects.exists()


def test_unpublished_events_take_no_replies(client, reply_data):
    event = EventFactory(is_published=False)
    assert client.get(reverse("campaign:event_rsvp", args=[event.slug])).status_code == 404
    assert (
        client.post(reverse("campaign:event_rsvp", args=[event.slug]), reply_data()).status_code
        == 404
    )


def test_replies_are_rate_limited(client, reply_data, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "rsvp": "2/h"}
    event = EventFactory()
    url = reverse("campaign:event_rsvp", args=[event.slug])
    codes = [client.post(url, reply_data(email=f"p{i}@example.org")).status_code for i in range(3)]
    assert codes == [302, 302, 429]
