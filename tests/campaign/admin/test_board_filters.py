"""The board's filters: group, region, position and status, each limited to the scope;
bad values get a message and never a 500 (fuzzed)."""

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.board import election_board
from tests.campaign.admin.world import NOW, TODAY
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def _board(client, world, user, **query):
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        return client.get(reverse("admin:campaign_election_board", args=[world["nec"].pk]), query)


def test_a_group_filter_narrows_counts_and_lists(world):
    board = election_board(
        election=world["nec"], user=world["national"], today=TODAY, filters={"group": world["hmrc"]}
    )
    ann = next(r for r in board.rows if r.candidate.name == "Ann")
    assert (ann.verified, ann.unverified) == (0, 1)  # H1's unverified nomination only
    assert board.branches == 1


def test_a_position_filter_lists_who_nominated_each_candidate(client, world):
    response = _board(client, world, world["national"], position=world["pres"].pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ann" in html
    assert "Bob" not in html
    assert f"D1 {world['b']['D1'].name}" in html  # Ann's verified branch, named


def test_another_groups_choice_is_refused_with_a_message(client, world):
    """The DWP organiser is not offered HMRC; asking for it anyway is a 400 with a message."""
    response = _board(client, world, world["organiser"], group=world["hmrc"].pk)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "There is a problem" in html
    assert ">HMRC</option>" not in html
    assert ">DWP</option>" in html


def test_a_region_with_no_branch_in_scope_is_not_offered(client, world):
    elsewhere = RegionFactory(name="Elsewhere")
    response = _board(client, world, world["national"])
    assert "Elsewhere" not in response.content.decode()
    assert _board(client, world, world["national"], region=elsewhere.pk).status_code == 400


def test_the_status_filter_shows_one_list_whole(client, world):
    html = _board(client, world, world["national"], status="not_held").content.decode()
    assert "D4" in html
    assert "Show all" not in html


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    group=st.one_of(st.text(max_size=30), st.integers(-5, 10**12).map(str)),
    region=st.one_of(st.text(max_size=30), st.integers(-5, 10**12).map(str)),
    position=st.one_of(st.text(max_size=30), st.integers(-5, 10**12).map(str)),
    status=st.one_of(
        st.sampled_from(["", "deadlines", "not_held", "none_of_ours"]), st.text(max_size=20)
    ),
)
def test_fuzzed_filters_never_fail(client, world, group, region, position, status):
    query = {"group": group, "region": region, "position": position, "status": status}
    query = {k: v.replace("\x00", "") for k, v in query.items()}
    response = _board(client, world, world["organiser"], **query)
    assert response.status_code in (200, 400)
    assert "Nominations board: NEC 2027" in response.content.decode()
