"""A ballot shared with other groups or regions is read-only to a group or regional
organiser: its dates and action dates are every unit's legal clock. Their own
branches' turnout and readiness they still enter."""

import datetime as dt

import pytest
from django.urls import reverse

from ballots.models import ActionDate, Ballot, TurnoutReturn
from members.models import User
from tests.ballots.conftest import organiser
from tests.ballots.factories import BallotFactory, BallotUnitFactory

pytestmark = pytest.mark.django_db

NOTE = "only a national organiser can change its dates"


def _change_url(ballot):
    return reverse("admin:ballots_ballot_change", args=[ballot.pk])


def _post(ballot, **changes):
    """The change form as the admin sends it: the ballot's fields, its units and one
    new action date."""
    data = {
        "name": ballot.name,
        "kind": ballot.kind,
        "opens_on": ballot.opens_on.isoformat(),
        "closes_on": ballot.closes_on.isoformat(),
        "ballot_units-TOTAL_FORMS": "0",
        "ballot_units-INITIAL_FORMS": "0",
        "ballot_units-MIN_NUM_FORMS": "0",
        "ballot_units-MAX_NUM_FORMS": "1000",
        "action_dates-TOTAL_FORMS": "1",
        "action_dates-INITIAL_FORMS": "0",
        "action_dates-MIN_NUM_FORMS": "0",
        "action_dates-MAX_NUM_FORMS": "1000",
        "action_dates-0-starts_on": "2026-04-20",
        "action_dates-0-ballot": str(ballot.pk),
    }
    units = list(ballot.ballot_units.all())
    data["ballot_units-TOTAL_FORMS"] = data["ballot_units-INITIAL_FORMS"] = str(len(units))
    for i, bu in enumerate(units):
        data.update(
            {
                f"ballot_units-{i}-id": str(bu.pk),
                f"ballot_units-{i}-ballot": str(ballot.pk),
                f"ballot_units-{i}-unit": str(bu.unit_id),
                f"ballot_units-{i}-entitled": str(bu.entitled),
            }
        )
    data.update(changes)
    return data


@pytest.fixture
def own_ballot(world):
    """A ballot wholly within group 1 (its one unit, u1)."""
    ballot = BallotFactory(name="Jobcentre ballot")
    BallotUnitFactory(ballot=ballot, unit=world["u1"], entitled=200)
    return ballot


def test_group_organiser_views_a_shared_ballot_read_only(client, world):
    shared = world["ballot"]  # u1 (group 1) and u2 (group 2)
    client.force_login(organiser(User.Role.GROUP, group=world["g1"]))
    response = client.get(_change_url(shared))
    assert response.status_code == 200
    html = response.content.decode()
    assert NOTE in html
    assert 'name="opens_on"' not in html
    assert 'name="_save"' not in html
    assert "Tax offices" not in html  # the other group's unit stays hidden

    response = client.post(_change_url(shared), _post(shared, opens_on="2026-03-09"))
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.opens_on == dt.date(2026, 3, 2)
    assert not ActionDate.objects.filter(ballot=shared).exists()


def test_group_organiser_changes_a_ballot_wholly_in_their_group(client, world, own_ballot):
    client.force_login(organiser(User.Role.GROUP, group=world["g1"]))
    html = client.get(_change_url(own_ballot)).content.decode()
    assert NOTE not in html
    assert 'name="opens_on"' in html
    response = client.post(_change_url(own_ballot), _post(own_ballot, opens_on="2026-03-09"))
    assert response.status_code == 302, response.context and response.context["errors"]
    own_ballot.refresh_from_db()
    assert own_ballot.opens_on == dt.date(2026, 3, 9)
    assert ActionDate.objects.filter(ballot=own_ballot, starts_on=dt.date(2026, 4, 20)).exists()


def test_national_organiser_changes_both(client, world, own_ballot):
    client.force_login(organiser(User.Role.NATIONAL))
    for ballot in (world["ballot"], own_ballot):
        html = client.get(_change_url(ballot)).content.decode()
        assert NOTE not in html
        response = client.post(_change_url(ballot), _post(ballot, opens_on="2026-03-10"))
        assert response.status_code == 302
        ballot.refresh_from_db()
        assert ballot.opens_on == dt.date(2026, 3, 10)
        assert ballot.action_dates.count() == 1


def test_regional_organiser_changes_only_a_ballot_whose_every_branch_is_theirs(
    client, world, own_ballot
):
    """u1 has branches in the north and the south: a ballot over u1 alone is not
    wholly the northern organiser's until both its branches are in the north."""
    user = organiser(User.Role.REGIONAL, region=world["north"])
    client.force_login(user)
    assert client.get(_change_url(own_ballot)).status_code == 200
    assert client.post(_change_url(own_ballot), _post(own_ballot)).status_code == 403
    assert client.post(_change_url(world["ballot"]), _post(world["ballot"])).status_code == 403

    world["b2"].region = world["north"]
    world["b2"].save()
    response = client.post(_change_url(own_ballot), _post(own_ballot, opens_on="2026-03-09"))
    assert response.status_code == 302
    own_ballot.refresh_from_db()
    assert own_ballot.opens_on == dt.date(2026, 3, 9)


def test_a_shared_ballot_cannot_be_deleted_by_a_regional_organiser_of_part_of_a_unit(
    client, world, own_ballot
):
    user = organiser(User.Role.REGIONAL, region=world["north"])
    client.force_login(user)
    url = reverse("admin:ballots_ballot_delete", args=[own_ballot.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Ballot.objects.filter(pk=own_ballot.pk).exists()


def test_own_branches_turnout_and_dashboard_still_work_on_a_shared_ballot(client, world):
    shared = world["ballot"]
    client.force_login(organiser(User.Role.GROUP, group=world["g1"]))
    dashboard = client.get(reverse("admin:ballots_ballot_dashboard", args=[shared.pk]))
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert "Jobcentres" in html
    assert "Ballot details" in html
    assert "Edit ballot" not in html

    grid = reverse("admin:ballots_turnout_grid", args=[shared.pk])
    assert client.get(grid).status_code == 200
    response = client.post(grid, {"on": "2026-03-12", f"b{world['b1'].pk}-voted": "33"})
    assert response.status_code == 302
    assert TurnoutReturn.objects.get(ballot=shared, branch=world["b1"]).voted == 33

    response = client.post(
        reverse("admin:ballots_turnoutreturn_add"),
        {
            "ballot": shared.pk,
            "branch": world["b2"].pk,
            "counted_on": "2026-03-12",
            "voted": "12",
        },
    )
    assert response.status_code == 302
    assert TurnoutReturn.objects.get(ballot=shared, branch=world["b2"]).voted == 12
    # Entering returns does not make the ballot theirs to change.
    assert client.post(_change_url(shared), _post(shared)).status_code == 403


def test_the_dashboard_offers_to_edit_a_ballot_wholly_theirs(client, world, own_ballot):
    client.force_login(organiser(User.Role.GROUP, group=world["g1"]))
    html = client.get(reverse("admin:ballots_ballot_dashboard", args=[own_ballot.pk])).content
    assert b"Edit ballot" in html
