"""One-click unsubscribe (RFC 8058): the POST needs no cookie or CSRF token, only a
valid signed token; a GET only shows a button."""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from members.broadcasts import mail
from members.models import AuditEvent, Broadcast, ConsentKind
from tests.members.factories import BroadcastFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    """A client that enforces CSRF, as a browser or mailbox provider meets it."""
    return Client(enforce_csrf_checks=True)


def _url(member, broadcast, kind=ConsentKind.FACTION):
    token = mail.unsubscribe_token(member_id=member.pk, kind=kind, broadcast_id=broadcast.pk)
    return reverse("members:unsubscribe", args=[token])


def _live(member, kind=ConsentKind.FACTION):
    return member.consents.filter(kind=kind, withdrawn_at__isnull=True).exists()


def test_one_click_post_without_cookies_or_csrf_withdraws_the_consent(
    csrf_client, people, django_assert_max_num_queries
):
    target, broadcast = people.consenting[0], BroadcastFactory()
    with django_assert_max_num_queries(12):
        response = csrf_client.post(_url(target, broadcast), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not response.cookies  # sets none, needs none
    assert not _live(target)
    consent = target.consents.get(kind=ConsentKind.FACTION)
    assert consent.withdrawn_at is not None
    assert consent.withdrawn_source == f"unsubscribe link (broadcast {broadcast.pk})"
    broadcast.refresh_from_db()
    assert broadcast.unsubscribed_count == 1
    assert AuditEvent.objects.filter(subject="members.consent", object_id=str(target.pk)).exists()
    assert _live(people.consenting[1])  # nobody else's


def test_a_second_post_changes_nothing(csrf_client, people):
    target, broadcast = people.consenting[0], BroadcastFactory()
    csrf_client.post(_url(target, broadcast))
    assert csrf_client.post(_url(target, broadcast)).status_code == 200
    broadcast.refresh_from_db()
    assert broadcast.unsubscribed_count == 1


def test_get_shows_a_button_and_changes_nothing(client, people, django_assert_max_num_queries):
    """Link scanners follow links: a GET (or HEAD) never unsubscribes."""
    target, broadcast = people.consenting[0], BroadcastFactory()
    with django_assert_max_num_queries(3):
        response = client.get(_url(target, broadcast))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<form method="post">' in body
    assert "Unsubscribe</button>" in body
    assert client.head(_url(target, broadcast)).status_code == 200
    assert _live(target)
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # bad signature
        lambda t: "nonsense",
        lambda t: signing.dumps([1, "faction", 1], salt="members.manage"),  # another purpose
        lambda t: signing.dumps(["1", "faction", 1], salt=mail.UNSUBSCRIBE),  # wrong types
        lambda t: signing.dumps([1, "politics", 1], salt=mail.UNSUBSCRIBE),  # no such consent
    ],
)
def test_only_a_valid_signed_token_unsubscribes(csrf_client, people, mangle):
    target, broadcast = people.consenting[0], BroadcastFactory()
    token = mail.unsubscribe_token(member_id=target.pk, kind="faction", broadcast_id=broadcast.pk)
    response = csrf_client.post(reverse("members:unsubscribe", args=[mangle(token)]))
    assert response.status_code == 400
    assert all(_live(m) for m in people.consenting)


def test_an_expired_token_is_refused(csrf_client, people, settings, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    target, broadcast = people.consenting[0], BroadcastFactory()
    url = _url(target, broadcast)
    later = timezone.now() + timedelta(days=settings.BROADCAST_UNSUBSCRIBE_DAYS, minutes=1)
    time_machine.move_to(later)
    assert csrf_client.post(url).status_code == 400
    assert _live(target)


def test_an_erased_member_unsubscribes_quietly(csrf_client, people):
    target, broadcast = people.consenting[0], BroadcastFactory()
    url = _url(target, broadcast)
    target.delete()
    assert csrf_client.post(url).status_code == 200


def test_the_branch_consent_link_leaves_the_faction_consent(csrf_client, people):
    target = people.branch_only
    from tests.members.factories import ConsentFactory

    ConsentFactory(member=target, kind=ConsentKind.FACTION)
    broadcast = BroadcastFactory(consent=ConsentKind.BRANCH)
    csrf_client.post(_url(target, broadcast, ConsentKind.BRANCH))
    assert not _live(target, ConsentKind.BRANCH)
    assert _live(target, ConsentKind.FACTION)


def test_unsubscribing_takes_effect_for_a_send_already_queued(
    csrf_client, smtp, people, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from members.broadcasts import tasks

    broadcast = BroadcastFactory(
        scope_group=people.world_a.group, status=Broadcast.Status.SCHEDULED, send_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False):
        tasks.start_broadcast.func(broadcast_id=broadcast.pk)
    target = people.consenting[3]
    csrf_client.post(_url(target, broadcast))
    tasks.send_broadcast_batch.func(broadcast_id=broadcast.pk)
    assert smtp.to(target.email) == []
    assert len(smtp.messages) == 4
    row = broadcast.deliveries.get(member=target)
    assert row.status == "skipped"


def test_the_rate_limit_applies(csrf_client, people, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "unsubscribe": "2/h"}
    url = _url(people.consenting[0], BroadcastFactory())
    codes = [csrf_client.post(url).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_token_is_kept_out_of_logs_robots_and_referers(client, people):
    from core.logging import redact

    url = _url(people.consenting[0], BroadcastFactory())
    assert redact(f"GET {url} 200") == "GET /unsubscribe/[redacted]/ 200"
    assert "Disallow: /unsubscribe/" in client.get("/robots.txt").content.decode()
    assert client.get(url)["Referrer-Policy"] == "no-referrer"
