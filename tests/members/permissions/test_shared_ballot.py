"""A ballot that spans both worlds.

A ballot has no foreign key to a branch or a group (it reaches them through its
units), so the scope matrix's discovery never walks the ballot's own pages. These
cases do: one ballot over a unit in world A and a unit in world B, with
distinctive figures; A's organisers must never see B's names or counts.
"""

import datetime as dt
import json
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.factories import UserFactory
from tests.members.permissions.worlds import content, organiser
from tests.two_factor import verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

SHARED = {"a": {"entitled": 6007, "voted": 1811}, "b": {"entitled": 7919, "voted": 4817}}


@pytest.fixture
def shared_ballot(worlds):
    from tests.ballots.factories import (
        BallotFactory,
        BallotUnitFactory,
        BargainingUnitFactory,
        BranchReadinessFactory,
        TurnoutReturnFactory,
        UnitBranchFactory,
    )

    ballot = BallotFactory(name="Shared national ballot")
    units = {}
    for world, tag in zip(worlds, "ab", strict=True):
        unit = BargainingUnitFactory(
            group=world.group, name=f"World {tag} unit", code=f"world-{tag}-unit"
        )
        UnitBranchFactory(unit=unit, branch=world.branch)
        BallotUnitFactory(ballot=ballot, unit=unit, entitled=SHARED[tag]["entitled"])
        TurnoutReturnFactory(
            ballot=ballot,
            branch=world.branch,
            counted_on=ballot.opens_on + dt.timedelta(days=2),
            voted=SHARED[tag]["voted"],
        )
        BranchReadinessFactory(branch=world.branch)
        units[tag] = unit
    # World B's organiser added their unit to the ballot in the admin: the history
    # entry names it.
    LogEntry.objects.create(
        user=UserFactory(username="world-b-organiser"),
        content_type=ContentType.objects.get_for_model(ballot),
        object_id=str(ballot.pk),
        object_repr=str(ballot),
        action_flag=CHANGE,
        change_message=json.dumps(
            [
                {"changed": {"fields": ["Opens on"]}},
                {"added": {"name": "ballot unit", "object": f"{units['b']} in {ballot}"}},
            ]
        ),
    )
    b_only = BallotFactory(name="World b only ballot")
    BallotUnitFactory(ballot=b_only, unit=units["b"], entitled=100)
    return ballot, units, b_only


def _world_markers(world, tag, unit):
    """Names and figures that identify one world on a ballot page."""
    entitled, voted = SHARED[tag]["entitled"], SHARED[tag]["voted"]
    threshold = -(-entitled // 2)  # the 50% turnout threshold, rounded up
    return [world.branch.name, world.branch.code, unit.name, unit.code] + [
        rf"\b{n}\b|\b{n:,}\b" for n in (entitled, voted, threshold)
    ]


def _shows(body: str, marker: str) -> bool:
    return bool(re.search(marker if marker.startswith(r"\b") else re.escape(marker), body))


def _ballot_pages(ballot, b_only):
    as_of = (ballot.opens_on + dt.timedelta(days=5)).isoformat()
    dashboard = reverse("admin:ballots_ballot_dashboard", args=[ballot.pk])
    return {
        "dashboard": f"{dashboard}?as_of={as_of}",
        "dashboard, every chart": f"{dashboard}?as_of={as_of}&charts=all",
        "turnout grid": reverse("admin:ballots_turnout_grid", args=[ballot.pk]),
        "ballot change": reverse("admin:ballots_ballot_change", args=[ballot.pk]),
        "ballot history": reverse("admin:ballots_ballot_history", args=[ballot.pk]),
        "ballot delete": reverse("admin:ballots_ballot_delete", args=[ballot.pk]),
        "ballot list": reverse("admin:ballots_ballot_changelist"),
        "turnout returns": reverse("admin:ballots_turnoutreturn_changelist"),
        "turnout returns of the ballot": reverse("admin:ballots_turnoutreturn_changelist")
        + f"?ballot__id__exact={ballot.pk}",
        "turnout import": reverse("admin:ballots_turnout_import"),
        "readiness overview": reverse("admin:ballots_readiness_overview"),
    }


@pytest.mark.parametrize("role", ["group", "regional"])
def test_a_shared_ballot_shows_world_a_only(client, worlds, shared_ballot, role):
    """The dashboard, turnout grid and every ballot page show A's branch, unit and
    figures to A's organisers, and never B's: not a name, not a count."""
    a, b = worlds
    ballot, units, b_only = shared_ballot
    verified_login(client, organiser(role, a))
    hidden = [*_world_markers(b, "b", units["b"]), b_only.name]
    for where, url in _ballot_pages(ballot, b_only).items():
        response = client.get(url)
        assert response.status_code in (200, 403), f"{where}: {response.status_code}"
        body = content(response)
        leaks = [m for m in hidden if _shows(body, m)]
        assert not leaks, f"{where} shows world B: {leaks}"
    # Not vacuous: the pages that are about the ballot's figures do show world A.
    for where in ("dashboard", "turnout grid"):
        body = content(client.get(_ballot_pages(ballot, b_only)[where]))
        assert _shows(body, a.branch.name if where == "turnout grid" else units["a"].name), where
    history = content(client.get(_ballot_pages(ballot, b_only)["ballot history"]))
    assert "Changed Opens on" in history
    assert "details hidden" in history
    dashboard = content(client.get(_ballot_pages(ballot, b_only)["dashboard"]))
    assert _shows(dashboard, rf"\b{SHARED['a']['entitled']}\b")
    assert "1 unit below the line" in dashboard or "of 1 unit" in dashboard
    # World B's own ballot is not there at all.
    for name in ("ballots_ballot_dashboard", "ballots_turnout_grid", "ballots_ballot_change"):
        assert client.get(reverse(f"admin:{name}", args=[b_only.pk])).status_code == 404


@pytest.mark.parametrize("role", ["group", "regional"])
def test_a_shared_ballot_cannot_be_deleted_from_one_world(client, worlds, shared_ballot, role):
    """Deleting the ballot would delete world B's turnout returns with it."""
    from ballots.models import Ballot, TurnoutReturn

    a, _ = worlds
    ballot, _, _ = shared_ballot
    verified_login(client, organiser(role, a))
    url = reverse("admin:ballots_ballot_delete", args=[ballot.pk])
    assert client.post(url, {"post": "yes"}).status_code in (403, 404)
    client.post(
        reverse("admin:ballots_ballot_changelist"),
        {"action": "delete_selected", "_selected_action": [ballot.pk], "post": "yes"},
    )
    assert Ballot.objects.filter(pk=ballot.pk).exists()
    assert TurnoutReturn.objects.filter(ballot=ballot).count() == 2


def test_the_national_organiser_sees_both_worlds_in_a_shared_ballot(client, worlds, shared_ballot):
    a, b = worlds
    ballot, units, b_only = shared_ballot
    verified_login(client, organiser("national", a))
    pages = _ballot_pages(ballot, b_only)
    dashboard = content(client.get(pages["dashboard"]))
    grid = content(client.get(pages["turnout grid"]))
    for tag, world in (("a", a), ("b", b)):
        assert units[tag].name in dashboard
        assert _shows(dashboard, rf"\b{SHARED[tag]['entitled']:,}\b|\b{SHARED[tag]['entitled']}\b")
        assert world.branch.name in grid
        assert _shows(grid, rf"\b{SHARED[tag]['voted']}\b")
    assert "2 units" in dashboard or "of 2 units" in dashboard
    returns = content(client.get(pages["turnout returns"]))
    assert b_only.name in returns
    assert units["b"].name in content(client.get(pages["ballot history"]))
    assert client.get(pages["ballot delete"]).status_code == 200


def _ballot_post(ballot, opens_on):
    """The ballot's change form as the admin posts it (its units as they are)."""
    units = list(ballot.ballot_units.all())
    data = {
        "name": ballot.name,
        "kind": ballot.kind,
        "opens_on": opens_on.isoformat(),
        "closes_on": ballot.closes_on.isoformat(),
        "ballot_units-TOTAL_FORMS": str(len(units)),
        "ballot_units-INITIAL_FORMS": str(len(units)),
        "action_dates-TOTAL_FORMS": "0",
        "action_dates-INITIAL_FORMS": "0",
    }
    for i, bu in enumerate(units):
        data |= {
            f"ballot_units-{i}-id": bu.pk,
            f"ballot_units-{i}-ballot": ballot.pk,
            f"ballot_units-{i}-unit": bu.unit_id,
            f"ballot_units-{i}-entitled": bu.entitled,
        }
    return data


@pytest.mark.parametrize("role", ["group", "regional", "national"])
def test_only_a_national_organiser_changes_a_shared_ballots_dates(
    client, worlds, shared_ballot, role
):
    """A shared ballot's dates are both worlds' legal clock: A's organisers see it
    read-only (and the change is refused); the national organiser changes it."""
    a, _ = worlds
    ballot, _, _ = shared_ballot
    verified_login(client, organiser(role, a))
    url = reverse("admin:ballots_ballot_change", args=[ballot.pk])
    page = client.get(url)
    assert page.status_code == 200
    moved = ballot.opens_on + dt.timedelta(days=1)
    response = client.post(url, _ballot_post(ballot, moved))
    ballot.refresh_from_db()
    if role == "national":
        assert response.status_code == 302
        assert ballot.opens_on == moved
    else:
        assert "only a national organiser can change its dates" in content(page)
        assert 'name="opens_on"' not in content(page)
        assert response.status_code == 403
        assert ballot.opens_on == moved - dt.timedelta(days=1)
