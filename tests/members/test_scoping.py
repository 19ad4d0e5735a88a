"""The scoping layer: what each organiser role may see, as a queryset filter and as SQL."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from ballots.models import BargainingUnit
from ballots.selectors import _unit_scope_sql
from members.models import Branch, Member, User
from members.scoping import Scope, scope_for
from tests.factories import BranchFactory, GroupFactory, MemberFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = BranchFactory()
    b = BranchFactory()
    return {"a": a, "b": b, "ma": MemberFactory(branch=a), "mb": MemberFactory(branch=b)}


def test_national_organiser_sees_everything(world):
    user = UserFactory(role=User.Role.NATIONAL)
    assert set(Branch.objects.visible_to(user)) == {world["a"], world["b"]}


def test_group_organiser_sees_only_their_group(world):
    user = UserFactory(role=User.Role.GROUP, group=world["a"].group)
    assert list(Branch.objects.visible_to(user)) == [world["a"]]
    members = scope_for(user).filter(Member.objects.all(), branch_path="branch")
    assert list(members) == [world["ma"]]


def test_regional_organiser_sees_only_their_region(world):
    user = UserFactory(role=User.Role.REGIONAL, region=world["b"].region)
    assert list(Branch.objects.visible_to(user)) == [world["b"]]


@pytest.mark.parametrize("role", [User.Role.EDITOR])
def test_editor_sees_no_branches_or_members(world, role):
    user = UserFactory(role=role)
    assert not Branch.objects.visible_to(user).exists()
    assert not scope_for(user).filter(Member.objects.all(), branch_path="branch").exists()


def test_anonymous_sees_nothing(world):
    assert not Branch.objects.visible_to(AnonymousUser()).exists()


def test_regional_organiser_gets_404_for_another_regions_member(client, world):
    user = UserFactory(role=User.Role.REGIONAL, region=world["a"].region, is_superuser=False)
    client.force_login(user)  # their role's group gives them the member permissions
    url = f"/admin/members/member/{world['mb'].pk}/change/"
    assert client.get(url).status_code == 404
    own = f"/admin/members/member/{world['ma'].pk}/change/"
    assert client.get(own).status_code == 200
    listing = client.get("/admin/members/member/").content.decode()
    assert world["ma"].email in listing
    assert world["mb"].email not in listing


@pytest.fixture
def not_listed(world):
    """Members whose branch is not in our list: each named only their group."""
    return {
        "a": MemberFactory(branch=None, branch_not_listed="Leeds", group=world["a"].group),
        "b": MemberFactory(branch=None, branch_not_listed="York", group=world["b"].group),
    }


def test_group_organiser_sees_not_listed_members_of_their_group_only(world, not_listed):
    user = UserFactory(role=User.Role.GROUP, group=world["a"].group)
    assert set(Member.objects.visible_to(user)) == {world["ma"], not_listed["a"]}


def test_regional_organiser_cannot_place_a_not_listed_member(world, not_listed):
    user = UserFactory(role=User.Role.REGIONAL, region=world["a"].region)
    assert list(Member.objects.visible_to(user)) == [world["ma"]]


def test_national_organiser_sees_not_listed_members(world, not_listed):
    user = UserFactory(role=User.Role.NATIONAL)
    assert Member.objects.visible_to(user).count() == 4


def test_a_member_with_a_branch_is_scoped_by_the_branch_not_a_stale_group(world):
    # Their branch moved to group b after they joined: the branch decides.
    moved = MemberFactory(branch=world["b"], group=world["a"].group)
    user = UserFactory(role=User.Role.GROUP, group=world["a"].group)
    assert moved not in Member.objects.visible_to(user)


def test_group_organiser_reads_and_exports_their_not_listed_members_only(client, world, not_listed):
    from tests.members.factories import ConsentFactory

    user = UserFactory(role=User.Role.GROUP, group=world["a"].group, is_superuser=False)
    client.force_login(user)
    own, other = not_listed["a"], not_listed["b"]
    assert client.get(f"/admin/members/member/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/members/member/{other.pk}/change/").status_code == 404
    listing = client.get("/admin/members/member/").content.decode()
    assert own.email in listing
    assert other.email not in listing
    filtered = client.get("/admin/members/member/", {"group": world["a"].group_id})
    assert own.email in filtered.content.decode()
    for m in (own, other):
        m.status = Member.Status.CONFIRMED
        m.save()
        ConsentFactory(member=m, kind="branch")
    export = client.get("/admin/members/member/export/").content.decode()
    assert own.email in export
    assert other.email not in export
    assert world["a"].group.name in export.splitlines()[1]


# The same rule as SQL --------------------------------------------------------------
#
# The heavy selectors (ballots/selectors.py) run raw SQL with the condition
# Scope.sql yields; it must keep exactly the rows the queryset filter keeps.


@pytest.fixture
def spread():
    """Branches and units over two groups and two regions, crossing each other."""
    from tests.ballots.factories import BargainingUnitFactory, UnitBranchFactory

    groups, regions = [GroupFactory(), GroupFactory()], [RegionFactory(), RegionFactory()]
    branches = [BranchFactory(group=g, region=r) for g in groups for r in regions]
    units = [BargainingUnitFactory(group=g) for g in groups]
    UnitBranchFactory(unit=units[0], branch=branches[0])  # group 0, region 0
    UnitBranchFactory(unit=units[1], branch=branches[3])  # group 1, region 1
    return {"groups": groups, "regions": regions, "units": units}


def _users(spread):
    group, region = spread["groups"][0], spread["regions"][0]
    return {
        "national": UserFactory(username="n", role=User.Role.NATIONAL),
        "group": UserFactory(username="g", role=User.Role.GROUP, group=group),
        "regional": UserFactory(username="r", role=User.Role.REGIONAL, region=region),
        "editor": UserFactory(username="e", role=User.Role.EDITOR),
        "anonymous": AnonymousUser(),
    }


def _ids(sql: str, params: list) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("who", ["national", "group", "regional", "editor", "anonymous"])
def test_the_sql_condition_keeps_the_branches_the_queryset_keeps(spread, who):
    user = _users(spread)[who]
    condition, params = scope_for(user).branch_sql("b")
    in_sql = _ids(f"SELECT b.id FROM members_branch b WHERE {condition}", params)
    assert in_sql == set(Branch.objects.visible_to(user).values_list("pk", flat=True))
    assert in_sql or who in ("editor", "anonymous")  # not vacuous


@pytest.mark.parametrize("who", ["national", "group", "regional", "editor", "anonymous"])
def test_the_sql_condition_keeps_the_units_the_queryset_keeps(spread, who):
    user = _users(spread)[who]
    condition, params = _unit_scope_sql(scope_for(user), "u")
    in_sql = _ids(f"SELECT u.id FROM ballots_bargainingunit u WHERE {condition}", params)
    assert in_sql == set(BargainingUnit.objects.visible_to(user).values_list("pk", flat=True))
    assert in_sql or who in ("editor", "anonymous")


def test_only_an_alias_reaches_the_sql():
    with pytest.raises(ValueError, match="not an SQL alias"):
        Scope(everything=True).branch_sql("b; DROP TABLE members_branch")
