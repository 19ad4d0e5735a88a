"""Signatures are personal data: download, erasure, retention, /privacy/."""

import datetime as dt

import pytest
from django.utils import timezone

from ballots.models import PetitionSignature
from core.retention import enforce_retention
from members.download import member_data
from members.services import member_erase
from tests.ballots.factories import PetitionFactory, PetitionSignatureFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_download_lists_signatures_made_with_the_members_address():
    member = MemberFactory(email="ada@example.org")
    PetitionSignatureFactory(email="Ada@example.org", petition__title="Pay up")
    PetitionSignatureFactory(email="other@example.org")
    [row] = member_data(member)["petition_signatures"]
    assert row["petition"] == "Pay up"
    assert row["consent_wording"].startswith("I agree that Rank and File may hold my name")


def test_erasure_removes_the_members_signatures_only():
    member = MemberFactory(email="ada@example.org")
    PetitionSignatureFactory(email="ADA@example.org")
    other = PetitionSignatureFactory(email="other@example.org")
    member_erase(member=member)
    assert list(PetitionSignature.objects.all()) == [other]


def test_retention_removes_unconfirmed_and_long_closed_signatures(settings):
    settings.RETENTION_DAYS = {
        **settings.RETENTION_DAYS,
        "unconfirmed_signups": 30,
        "petition_signatures": 365,
    }
    now = timezone.now()
    PetitionSignatureFactory(created_at=now - dt.timedelta(days=40))  # never confirmed
    fresh = PetitionSignatureFactory(created_at=now - dt.timedelta(days=5))
    closed = PetitionFactory(deadline=timezone.localdate() - dt.timedelta(days=400))
    PetitionSignatureFactory(petition=closed, confirmed_at=now - dt.timedelta(days=420))
    counts = enforce_retention(now=now)
    assert (counts["unconfirmed_signatures"], counts["petition_signatures"]) == (1, 1)
    assert list(PetitionSignature.objects.all()) == [fresh]


def test_the_privacy_page_describes_signatures(client):
    html = client.get("/privacy/").content.decode()
    assert "Petition signatures" in html
    assert "days after the petition closes" in html
