"""Who reaches the ballots admin: the model permission (403 without), the scope (404
outside), snapshots that cannot be edited, and every list and add page."""

import datetime as dt

import pytest
from django.urls import reverse

from ballots.models import Ballot, BranchReadiness
from members.models import User
from tests.ballots.conftest import organiser
from tests.ballots.factories import BallotFactory, BallotUnitFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pages_need_the_ballots_permissions(client, world):
    """Permission AND scope: a national organiser (everything in scope) outside their
    role's group holds no ballots permission, so every page refuses them (403)."""
    user = UserFactory(username="noperm", role=User.Role.NATIONAL)
    user.groups.clear()
    client.force_login(user)
    ballot = world["ballot"]
    for name, args in [
        ("ballots_ballot_dashboard", [ballot.pk]),
        ("ballots_turnout_grid", [ballot.pk]),
        ("ballots_ballot_change", [ballot.pk]),
        ("ballots_readiness_grid", []),
        ("ballots_readiness_overview", []),
        ("ballots_turnout_import", []),
    ]:
        assert client.get(reverse(f"admin:{name}", args=args)).status_code == 403, name


def test_a_group_organiser_has_the_ballots_permissions_from_their_roles_group(client, world):
    """No permission given by hand: the role's group is enough for their own ballot."""
    client.force_login(UserFactory(role=User.Role.GROUP, group=world["g1"]))
    ballot = world["ballot"]
    assert (
        client.get(reverse("admin:ballots_ballot_dashboard", args=[ballot.pk])).status_code == 200
    )
    assert client.get(reverse("admin:ballots_turnout_grid", args=[ballot.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("admin:ballots_readiness_overview"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "name",
    [
        "ballots_legalrule",
        "ballots_bargainingunit",
        "ballots_branchreadiness",
        "ballots_readinessthreshold",
        "ballots_structuretest",
        "ballots_ballot",
        "ballots_turnoutreturn",
    ],
)
def test_admin_lists_and_add_pages_render(client, returns, national, name):
    client.force_login(national)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{name}_add")).status_code in (200, 403)


def test_snapshots_cannot_be_edited_and_out_of_scope_ones_are_404(client, world):
    user = organiser(User.Role.GROUP, group=world["g1"])
    client.force_login(user)
    own = BranchReadiness.objects.filter(branch=world["b1"]).first()
    other = BranchReadiness.objects.filter(branch=world["b3"]).first()
    url = reverse("admin:ballots_branchreadiness_change", args=[own.pk])
    response = client.post(url, {"members": "1"})
    assert response.status_code in (200, 403)
    own.refresh_from_db()
    assert own.members == 100
    assert (
        client.get(reverse("admin:ballots_branchreadiness_change", args=[other.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("admin:ballots_bargainingunit_change", args=[world["u2"].pk])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("admin:ballots_bargainingunit_change", args=[world["u1"].pk])
        ).status_code
        == 200
    )
    listing = client.get(reverse("admin:ballots_ballot_changelist")).content.decode()
    assert world["ballot"].name in listing
    assert Ballot.objects.visible_to(user).count() == 1


def test_structure_tests_show_dated_progress_within_scope(client, world):
    from ballots.models import StructureTest, StructureTestProgress

    own = StructureTest.objects.create(
        title="Sign the petition",
        unit=world["u1"],
        target_percent=70,
        deadline=dt.date(2026, 3, 14),
    )
    StructureTestProgress.objects.create(
        test=own, recorded_on=dt.date(2026, 3, 1), done=50, out_of=100
    )
    StructureTestProgress.objects.create(
        test=own, recorded_on=dt.date(2026, 3, 8), done=72, out_of=100
    )
    StructureTest.objects.create(
        title="Hidden test", branch=world["b3"], target_percent=50, deadline=dt.date(2026, 3, 14)
    )
    client.force_login(organiser(User.Role.GROUP, group=world["g1"]))
    html = client.get(reverse("admin:ballots_readiness_overview")).content.decode()
    assert "Sign the petition" in html
    assert "8 Mar: 72% (met)" in html
    assert "1 Mar: 50%" in html
    assert "Hidden test" not in html
    listing = client.get(reverse("admin:ballots_structuretest_changelist")).content.decode()
    assert "Hidden test" not in listing


PAGES = [
    ("dashboard", lambda w: reverse("admin:ballots_ballot_dashboard", args=[w["own_ballot"].pk])),
    ("turnout grid", lambda w: reverse("admin:ballots_turnout_grid", args=[w["own_ballot"].pk])),
    ("ballot", lambda w: reverse("admin:ballots_ballot_change", args=[w["own_ballot"].pk])),
    ("unit", lambda w: reverse("admin:ballots_bargainingunit_change", args=[w["u1"].pk])),
]


OTHER = [
    ("dashboard", lambda w: reverse("admin:ballots_ballot_dashboard", args=[w["other_ballot"].pk])),
    ("turnout grid", lambda w: reverse("admin:ballots_turnout_grid", args=[w["other_ballot"].pk])),
    ("ballot", lambda w: reverse("admin:ballots_ballot_change", args=[w["other_ballot"].pk])),
    ("unit", lambda w: reverse("admin:ballots_bargainingunit_change", args=[w["u2"].pk])),
]


@pytest.mark.parametrize(
    ("role", "own_status", "other_status"),
    [("national", 200, 200), ("group", 200, 404), ("regional", 200, 404), ("editor", 404, 404)],
)
@pytest.mark.parametrize("page", range(len(PAGES)))
def test_permission_matrix(client, world, role, own_status, other_status, page):
    """Each role reaches its own group's ballot pages; anything else is a 404."""
    world["own_ballot"] = BallotFactory()
    BallotUnitFactory(ballot=world["own_ballot"], unit=world["u1"])
    world["other_ballot"] = BallotFactory()
    BallotUnitFactory(ballot=world["other_ballot"], unit=world["u2"])
    if role == "regional":
        # u2's branches are all moved out of the organiser's region
        world["b3"].region = world["south"]
        world["b3"].save()
    extra = {"group": {"group": world["g1"]}, "regional": {"region": world["north"]}}
    client.force_login(organiser(role, **extra.get(role, {})))
    assert client.get(PAGES[page][1](world)).status_code == own_status
    assert client.get(OTHER[page][1](world)).status_code == other_status
