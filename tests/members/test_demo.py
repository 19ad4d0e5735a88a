"""Demo members: bulk, idempotent, with consents, and fast at benchmark size."""

import time

import pytest

from members import demo
from members.models import Consent, Member

pytestmark = pytest.mark.django_db


def test_load_members_is_idempotent_and_gives_consents():
    result = demo.load(branches=20, members=300)
    assert result["members"] == 300
    assert Member.objects.count() == 300
    assert Consent.objects.filter(kind="faction").count() == 300
    assert demo.load(branches=20, members=300)["members"] == 0
    assert Member.objects.count() == 300
    assert demo.load(branches=20, members=350)["members"] == 50
    assert Member.objects.filter(status=Member.Status.PENDING, branch__isnull=False).exists()


@pytest.mark.slow
def test_hundred_thousand_members_load_quickly():
    started = time.monotonic()
    demo.load(branches=1000, members=100_000)
    elapsed = time.monotonic() - started
    assert Member.objects.count() == 100_000
    assert elapsed < 120, f"took {elapsed:.0f}s"
    print(f"100,000 members loaded in {elapsed:.1f}s")
