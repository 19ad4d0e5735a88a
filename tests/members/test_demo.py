"""Demo members: bulk, idempotent, with consents, and fast at benchmark size."""

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
