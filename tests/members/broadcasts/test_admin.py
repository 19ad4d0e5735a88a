"""The broadcast admin pages, for each organiser role: compose, review, send, progress."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from members.models import AuditEvent, Broadcast, Suppression
from tests.members.factories import BroadcastFactory
from tests.members.permissions.worlds import organiser

pytestmark = pytest.mark.django_db
ORGANISERS = ["national", "group", "regional"]


def _scope_kwargs(role, world):
    return {"group": {"scope_group": world.group}, "regional": {"scope_region": world.region}}.get(
        role, {}
    )


def _login(client, role, world):
    user = organiser(role, world, every_permission=False)
    client.force_login(user)
    return user


def _url(name, broadcast=None):
    return reverse(f"admin:members_broadcast_{name}", args=[broadcast.pk] if broadcast else [])


def _compose(**overrides):
    data = {
        "subject": "AGM on Tuesday",
        "body": "Hello {{ name }},\n\nCome to the **AGM** of {{ branch }}.",
        "consent": "faction",
        "reply_to": "",
        "audience_group": "",
        "audience_region": "",
        "audience_branch": "",
        "audience_joined_since": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ORGANISERS)
def test_an_organiser_composes_a_broadcast_in_their_own_scope(client, people, role):
    user = _login(client, role, people.world_a)
    response = client.post(_url("add"), _compose())
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("review", broadcast)
    assert broadcast.created_by == user
    assert broadcast.status == Broadcast.Status.DRAFT
    expected = {
        "national": (True, None, None),
        "group": (False, people.world_a.group.pk, None),
        "regional": (False, None, people.world_a.region.pk),
    }[role]
    assert (broadcast.scope_everything, broadcast.scope_group_id, broadcast.scope_region_id) == (
        expected
    )


@pytest.mark.parametrize("role", ["group", "regional"])
def test_the_form_refuses_another_scopes_branch(client, people, role):
    _login(client, role, people.world_a)
    response = client.post(_url("add"), _compose(audience_branch=people.world_b.branch.pk))
    assert response.status_code == 200
    assert "audience_branch" in response.context["adminform"].form.errors
    assert not Broadcast.objects.exists()


def test_a_group_organiser_is_offered_only_their_group(client, people):
    _login(client, "group", people.world_a)
    form = client.get(_url("add")).context["adminform"].form
    assert list(form.fields["audience_group"].queryset) == [people.world_a.group]
    assert people.world_b.branch not in form.fields["audience_branch"].queryset


def test_unknown_merge_fields_are_refused(client, people):
    _login(client, "national", people.world_a)
    response = client.post(_url("add"), _compose(body="Hi {{ email }}"))
    assert "Only {{ name }} and {{ branch }} can be merged" in response.content.decode()
    assert not Broadcast.objects.exists()


@pytest.mark.parametrize("role", ORGANISERS)
def test_review_shows_the_preview_the_count_and_a_sample_of_names(
    client, people, role, django_assert_max_num_queries
):
    _login(client, role, people.world_a)
    broadcast = BroadcastFactory(
        body="Hello {{ name }}, see **this**.", **_scope_kwargs(role, people.world_a)
    )
    with django_assert_max_num_queries(12):
        response = client.get(_url("review", broadcast))
    body = response.content.decode()
    assert response.status_code == 200
    count = 5 if role != "national" else 6  # national also reaches world B's member
    assert response.context["count"] == count
    assert "<strong>this</strong>" in body
    assert people.no_consent.name not in body
    if role != "national":
        assert people.outside.name not in body
    assert set(response.context["sample"]) <= {m.name for m in people.consenting} | {
        people.outside.name
    }
    assert AuditEvent.objects.filter(subject="members.broadcast audience").exists()


@pytest.mark.parametrize("role", ["group", "regional"])
@pytest.mark.parametrize("view", ["review", "progress", "change", "history", "delete"])
def test_another_scopes_broadcast_is_404(client, people, role, view):
    _login(client, role, people.world_a)
    other = BroadcastFactory(**_scope_kwargs(role, people.world_b))
    assert client.get(_url(view, other)).status_code == 404


@pytest.mark.parametrize("role", ["group", "regional"])
def test_acting_on_another_scopes_broadcast_is_404_and_sends_nothing(client, people, role):
    _login(client, role, people.world_a)
    other = BroadcastFactory(**_scope_kwargs(role, people.world_b))
    response = client.post(_url("act", other), {"action": "send", "when": "now"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Broadcast.Status.DRAFT
    assert django_mail.outbox == []


@pytest.mark.parametrize("view", ["changelist", "add"])
def test_editors_are_refused(client, people, view):
    _login(client, "editor", people.world_a)
    assert client.get(_url(view)).status_code == 403


def test_editors_cannot_review_or_send(client, people):
    _login(client, "editor", people.world_a)
    broadcast = BroadcastFactory()
    assert client.get(_url("review", broadcast)).status_code == 403
    assert client.post(_url("act", broadcast), {"action": "send", "when": "now"}).status_code == 403
    assert django_mail.outbox == []


@pytest.mark.parametrize("role", ["group", "regional"])
def test_the_list_shows_only_the_organisers_scope(client, people, role):
    _login(client, role, people.world_a)
    own = BroadcastFactory(subject="Own 12345", **_scope_kwargs(role, people.world_a))
    BroadcastFactory(subject="Other 67890", **_scope_kwargs(role, people.world_b))
    BroadcastFactory(subject="Union 24680")  # the national organisers'
    body = client.get(_url("changelist")).content.decode()
    assert own.subject in body
    assert "Other 67890" not in body
    assert "Union 24680" not in body


def test_send_now_sends_to_the_audience_and_records_it(
    client, people, django_capture_on_commit_callbacks
):
    user = _login(client, "group", people.world_a)
    broadcast = BroadcastFactory(scope_group=people.world_a.group)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("act", broadcast), {"action": "send", "when": "now"})
    assert response["Location"] == _url("progress", broadcast)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    assert broadcast.sent_by == user
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(m.email for m in people.consenting)
    details = list(AuditEvent.objects.values_list("detail", flat=True))
    assert any(d.startswith("broadcast sent now to") for d in details)
    assert any(d.startswith("broadcast started") for d in details)
    assert any(d.startswith("broadcast finished: 5 sent") for d in details)
    # Sent, it is a record: read-only, not deletable.
    assert client.post(_url("change", broadcast), _compose(subject="x")).status_code == 403
    assert client.post(_url("delete", broadcast), {"post": "yes"}).status_code == 403


def test_schedule_then_unschedule(client, people, django_capture_on_commit_callbacks):
    _login(client, "national", people.world_a)
    broadcast = BroadcastFactory()
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT07:00")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("act", broadcast), {"action": "send", "when": "later", "send_at": later})
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SCHEDULED
    assert timezone.localtime(broadcast.send_at).strftime("%H:%M") == "07:00"
    assert django_mail.outbox == []
    page = client.get(_url("progress", broadcast)).content.decode()
    assert "Scheduled" in page
    assert 'http-equiv="refresh"' in page
    client.post(_url("act", broadcast), {"action": "unschedule"})
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.send_at) == (Broadcast.Status.DRAFT, None)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "send", "when": "later", "send_at": "2001-01-01T07:00"},
        {"action": "send", "when": "later", "send_at": ""},
        {"action": "send", "when": "sometime"},
        {"action": "explode"},
    ],
)
def test_bad_send_requests_send_nothing(client, people, data, django_capture_on_commit_callbacks):
    _login(client, "national", people.world_a)
    broadcast = BroadcastFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("act", broadcast), data)
    assert response.status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DRAFT
    assert django_mail.outbox == []


def test_get_on_the_action_url_is_not_allowed(client, people):
    _login(client, "national", people.world_a)
    assert client.get(_url("act", BroadcastFactory())).status_code == 405


def test_test_copy_goes_to_the_organiser(client, people, django_capture_on_commit_callbacks):
    user = _login(client, "regional", people.world_a)
    broadcast = BroadcastFactory(scope_region=people.world_a.region)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("act", broadcast), {"action": "test"})
    assert [m.to for m in django_mail.outbox] == [[user.email]]
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DRAFT


@pytest.mark.parametrize("role", ORGANISERS)
def test_progress_shows_counts_and_failures(
    client, people, role, smtp, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    user = _login(client, role, people.world_a)
    smtp.refuse[people.consenting[0].email] = "550 5.1.1 No such mailbox"
    broadcast = BroadcastFactory(**_scope_kwargs(role, people.world_a))
    from members.broadcasts import services

    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(broadcast=broadcast, actor=user)
    with django_assert_max_num_queries(10):
        response = client.get(_url("progress", broadcast))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts["failed"] == 1
    assert counts["sent"] == (5 if role == "national" else 4)
    body = response.content.decode()
    assert "550 5.1.1 No such mailbox" in body
    assert people.consenting[0].name in body
    assert 'http-equiv="refresh"' not in body  # finished: no refreshing


def test_cancel_stops_a_paused_broadcast(
    client, people, smtp, django_capture_on_commit_callbacks, settings
):
    settings.BROADCAST_BATCH_RETRIES = 0
    smtp.disconnect = True
    user = _login(client, "national", people.world_a)
    broadcast = BroadcastFactory()
    from members.broadcasts import services

    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(broadcast=broadcast, actor=user)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.PAUSED
    assert "Resume sending" in client.get(_url("progress", broadcast)).content.decode()
    client.post(_url("act", broadcast), {"action": "cancel"})
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.CANCELLED
    assert broadcast.deliveries.filter(status="queued").count() == 0
    assert broadcast.skipped_count == 6


@pytest.mark.parametrize(("role", "status"), [("national", 200), ("group", 403), ("regional", 403)])
def test_the_suppression_list_is_for_national_organisers(client, people, role, status):
    _login(client, role, people.world_a)
    Suppression.objects.create(email="gone@example.org", reason="refused")
    response = client.get(reverse("admin:members_suppression_changelist"))
    assert response.status_code == status


def test_the_list_runs_the_same_queries_for_3_or_30_broadcasts(
    client, people, django_assert_max_num_queries
):
    user = _login(client, "group", people.world_a)
    for _ in range(3):
        BroadcastFactory(scope_group=people.world_a.group, created_by=user)
    with django_assert_max_num_queries(10) as few:
        client.get(_url("changelist"))
    for _ in range(27):
        BroadcastFactory(scope_group=people.world_a.group, created_by=user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(_url("changelist")).status_code == 200
