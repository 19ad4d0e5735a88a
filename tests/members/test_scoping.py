"""The scoping layer: what each organiser role may see."""

import pytest

from members.models import Branch, Member, User
from members.scoping import scope_for
from tests.factories import BranchFactory, MemberFactory, UserFactory

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
    from django.contrib.auth.models import AnonymousUser

    assert not Branch.objects.visible_to(AnonymousUser()).exists()


def test_regional_organiser_gets_404_for_another_regions_member(client, world):
    user = UserFactory(role=User.Role.REGIONAL, region=world["a"].region, is_superuser=False)
    user.user_permissions.add(*_perms("view_member", "change_member"))
    client.force_login(user)
    url = f"/admin/members/member/{world['mb'].pk}/change/"
    assert client.get(url).status_code == 404
    own = f"/admin/members/member/{world['ma'].pk}/change/"
    assert client.get(own).status_code == 200
    listing = client.get("/admin/members/member/").content.decode()
    assert world["ma"].email in listing
    assert world["mb"].email not in listing


def _perms(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=codenames)


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
    user.user_permissions.add(*_perms("view_member", "change_member"))
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
