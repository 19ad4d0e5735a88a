"""Fuzzing the signature form: any input is a page (302 or 400), never a 500, and a
whole signature or nothing is saved."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.models import PetitionSignature
from ballots.petitions.forms import started_token
from tests.ballots.factories import PetitionFactory
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db

text = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "a@b.co", "x" * 260]))


@pytest.fixture
def petition():
    BranchFactory()
    return PetitionFactory()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=text,
    email=st.one_of(text, st.emails().map(str)),
    branch=st.one_of(text, st.integers(-5, 10**12).map(str)),
    workplace=text,
    consent=st.sampled_from(["", "on"]),
    website=st.sampled_from(["", "x"]),
    started=st.one_of(st.just("good"), text),
)
def test_any_signature_is_a_page_and_all_or_nothing(
    client, petition, name, email, branch, workplace, consent, website, started
):
    data = {
        "name": name,
        "email": email,
        "branch": branch,
        "workplace": workplace,
        "consent": consent,
        "website": website,
        "started": started_token() if started == "good" else started,
    }
    before = PetitionSignature.objects.count()
    response = client.post(reverse("ballots:petition_sign", args=[petition.slug]), data)
    assert response.status_code in (302, 400)
    after = PetitionSignature.objects.count()
    if response.status_code == 400:
        assert after == before
    elif after > before:
        signature = PetitionSignature.objects.latest("pk")
        assert signature.name
        assert signature.email
        assert signature.branch or signature.workplace
        assert signature.confirmed_at is None
