"""Branch contacts report through their signed link: only their branch, nothing half-saved."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.models import BranchReadiness, TurnoutReturn
from members.models import BranchContactLink

pytestmark = pytest.mark.django_db
URL = reverse("ballots:contact_report")
NOW = dt.datetime(2026, 3, 12, 10, tzinfo=dt.UTC)


@pytest.fixture
def link(world):
    _, token = BranchContactLink.issue(
        branch=world["b1"], contact_name="Sam", email="sam@example.org"
    )
    return token


def _readiness(token, **overrides):
    data = {
        "token": token,
        "action": "readiness",
        "r-taken_on": "2026-03-12",
        "r-members": "80",
        "r-staff_in_post": "120",
        "r-with_email": "60",
        "r-with_mobile": "50",
        "r-with_contact": "70",
        "r-with_home_address": "75",
        "r-reps": "2",
        "r-advocates": "1",
        "r-meetings_held": "1",
    }
    data.update(overrides)
    return data


@time_machine.travel(NOW, tick=False)
def test_page_shows_the_branch_and_the_live_ballot(
    client, link, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"token": link})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ballot figures for Leeds JC" in html
    assert f"Turnout: {world['ballot'].name}" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_bad_or_revoked_token_is_refused(client, link):
    assert client.get(URL, {"token": "nope"}).status_code == 403
    assert client.get(URL).status_code == 403
    BranchContactLink.objects.get().revoke()
    assert client.get(URL, {"token": link}).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_readiness_saves_a_snapshot_for_the_links_branch_only(client, link, world):
    before = BranchReadiness.objects.count()
    response = client.post(URL, _readiness(link))
    assert response.status_code == 302
    assert BranchReadiness.objects.count() == before + 1
    new = BranchReadiness.objects.latest("id")
    assert new.branch == world["b1"]
    assert new.source == "link"
    from members.models import AuditEvent

    event = AuditEvent.objects.get(subject="ballots.branchreadiness")
    assert event.actor_label.startswith("contact link ")


@time_machine.travel(NOW, tick=False)
def test_readiness_errors_show_a_summary_and_save_nothing(client, link):
    before = BranchReadiness.objects.count()
    response = client.post(URL, _readiness(link, **{"r-with_contact": "10"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert (
        "Members with a personal email or mobile cannot be fewer than those with a "
        "personal email (60)" in html
    )
    assert BranchReadiness.objects.count() == before


@time_machine.travel(NOW, tick=False)
def test_turnout_count_is_saved_and_replaced_the_same_day(client, link, world):
    ballot = world["ballot"]
    data = {
        "token": link,
        "action": "turnout",
        "ballot": str(ballot.pk),
        f"t{ballot.pk}-counted_on": "2026-03-12",
        f"t{ballot.pk}-voted": "41",
    }
    assert client.post(URL, data).status_code == 302
    data[f"t{ballot.pk}-voted"] = "44"
    assert client.post(URL, data).status_code == 302
    assert list(TurnoutReturn.objects.values_list("branch__code", "voted")) == [("JC-1", 44)]


@time_machine.travel(NOW, tick=False)
def test_turnout_outside_the_ballot_period_is_an_error(client, link, world):
    ballot = world["ballot"]
    response = client.post(
        URL,
        {
            "token": link,
            "action": "turnout",
            "ballot": str(ballot.pk),
            f"t{ballot.pk}-counted_on": "2026-02-01",
            f"t{ballot.pk}-voted": "4",
        },
    )
    assert response.status_code == 200
    assert (
        "The date of the count must be between 2 March 2026 and 31 March 2026, while voting runs"
        in response.content.decode()
    )
    assert not TurnoutReturn.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_turnout_for_a_ballot_the_branch_is_not_in_is_ignored(client, link, world):
    from tests.ballots.factories import BallotFactory

    other = BallotFactory()
    response = client.post(
        URL,
        {
            "token": link,
            "action": "turnout",
            "ballot": str(other.pk),
            f"t{other.pk}-counted_on": "2026-03-12",
            f"t{other.pk}-voted": "4",
        },
    )
    assert response.status_code == 200
    assert not TurnoutReturn.objects.exists()


text = st.one_of(st.text(max_size=12), st.integers(-5, 10**7).map(str), st.just(""))
FUZZED = [
    "r-taken_on",
    "r-members",
    "r-staff_in_post",
    "r-with_email",
    "r-with_mobile",
    "r-with_contact",
    "r-with_home_address",
    "r-reps",
    "r-ballot_committee",
]


@time_machine.travel(NOW, tick=False)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.fixed_dictionaries(dict.fromkeys(FUZZED, text)))
def test_fuzzed_readiness_never_500s_and_saves_whole_or_nothing(client, link, values):
    before = BranchReadiness.objects.count()
    response = client.post(URL, _readiness(link, **values))
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # messages say how to fix it, not Django's defaults
        text = response.content.decode()
        assert "This field is required" not in text
        assert "Enter a whole number" not in text
        assert "Ensure this value" not in text
    after = BranchReadiness.objects.count()
    assert after == before + (1 if response.status_code == 302 else 0)
    if response.status_code == 302:
        saved = BranchReadiness.objects.latest("id")
        saved.full_clean()  # everything saved obeys the model's rules
