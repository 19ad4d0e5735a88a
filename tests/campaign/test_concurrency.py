"""Two reports for one meeting arriving at once cannot together exceed the seats."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from campaign.models import Nomination
from tests.campaign.factories import MeetingFactory, PositionFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_nominations_for_the_last_seat_admit_only_one():
    """The trigger locks the meeting row, so the second insert waits and then counts the first."""
    position = PositionFactory(seats=1)
    meeting = MeetingFactory()
    barrier = threading.Barrier(2)
    results = []

    def report(name):
        try:
            with transaction.atomic():
                barrier.wait()
                Nomination.objects.create(meeting=meeting, position=position, other_name=name)
                time.sleep(0.3)  # hold the transaction open while the other tries
            results.append("saved")
        except IntegrityError as exc:
            results.append("refused" if "nomination_within_seats" in str(exc) else str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == ["refused", "saved"]
    assert Nomination.objects.filter(meeting=meeting).count() == 1
