"""members.services: races, retention purge, email through a real SMTP server."""

import socket
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from members import services
from members.models import AuditEvent, Consent, ConsentKind, Member
from members.services import Details, JoinOutcome, MemberError
from tests.factories import BranchFactory, MemberFactory
from tests.members.factories import ConsentFactory

pytestmark = pytest.mark.django_db


def join(email="ada@example.org", **kwargs):
    return services.member_join(
        email=email,
        details=Details(name="Ada", grade="EO"),
        consents={ConsentKind.FACTION},
        **kwargs,
    )


def test_join_without_faction_consent_is_refused():
    with pytest.raises(MemberError):
        services.member_join(email="a@example.org", details=Details(name="A"), consents=set())
    assert not Member.objects.exists()


def test_outcomes(settings):
    settings.MEMBERS_RESEND_INTERVAL = timedelta(0)
    assert join().outcome is JoinOutcome.CREATED
    assert join(" ADA@EXAMPLE.ORG").outcome is JoinOutcome.PENDING_AGAIN
    Member.objects.update(status=Member.Status.CONFIRMED)
    assert join().outcome is JoinOutcome.ALREADY_JOINED
    assert Member.objects.count() == 1


def test_double_click_sends_one_email():
    first, second = join(), join()
    assert first.emailed
    assert not second.emailed


@pytest.mark.django_db(transaction=True)
def test_simultaneous_joins_with_one_address_store_one_row():
    """Eight requests at the same instant, each on its own connection: one row."""
    barrier = threading.Barrier(8)
    outcomes, errors = [], []

    def worker(n):
        try:
            barrier.wait()
            outcomes.append(join(email=f"Race@Example.org{' ' * n}").outcome)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Member.objects.count() == 1
    assert outcomes.count(JoinOutcome.CREATED) == 1
    assert Consent.objects.count() == 1


def test_purge_unconfirmed_deletes_only_old_pending(time_machine):
    time_machine.move_to("2026-01-01 12:00Z", tick=False)
    old_pending = MemberFactory(status=Member.Status.PENDING)
    ConsentFactory(member=old_pending)
    old_confirmed = MemberFactory(status=Member.Status.CONFIRMED)
    time_machine.move_to("2026-01-25 12:00Z", tick=False)
    new_pending = MemberFactory(status=Member.Status.PENDING)
    time_machine.move_to("2026-02-05 12:00Z", tick=False)
    assert services.member_purge_unconfirmed(older_than=timedelta(days=30)) == 1
    remaining = set(Member.objects.values_list("pk", flat=True))
    assert remaining == {old_confirmed.pk, new_pending.pk}
    event = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION)
    assert event.rows == 1
    assert event.actor_label == "system"
    # a cut-off time works too, and the default period comes from settings
    assert services.member_purge_unconfirmed(older_than=timezone.now()) == 1
    assert services.member_purge_unconfirmed() == 0


def test_confirm_of_a_left_member_is_refused():
    member = MemberFactory(status=Member.Status.LEFT)
    with pytest.raises(MemberError):
        services.member_confirm(member=member, ip="192.0.2.1")


def test_update_reports_changed_fields_only():
    member = MemberFactory(name="Ann", grade="EO", branch=BranchFactory())
    same = Details(name="Ann", grade="EO", branch=member.branch, is_union_member=True)
    assert services.member_update(member=member, details=same) == []
    assert services.member_update(
        member=member, details=Details(**{**same.__dict__, "grade": "HEO"})
    ) == ["grade"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_confirmation_email_through_a_real_smtp_server(
    settings, django_capture_on_commit_callbacks
):
    """The task sends through Django's SMTP backend to aiosmtpd on loopback."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    port = _free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        with django_capture_on_commit_callbacks(execute=True):
            join(email="smtp.test@example.org")
    finally:
        controller.stop()
    assert len(received) == 1
    message = received[0]
    assert message["To"] == "smtp.test@example.org"
    assert message["Subject"] == "Confirm you want to join Rank and File"
    body = message.get_payload(decode=True).decode()
    assert "/join/confirm/" in body
    assert "/me/" in body


def test_email_task_does_nothing_for_an_erased_member():
    from members.tasks import send_member_email

    assert send_member_email.call(member_id=987654321, kind="confirm") is False
