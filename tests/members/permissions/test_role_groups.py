"""Each staff user is in the auth group of their role and of no other role."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import User
from tests.factories import GroupFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("members.migrations.0006_role_groups")


def role_groups(user) -> set[str]:
    return set(
        user.groups.filter(name__in=User.ROLE_GROUPS.values()).values_list("name", flat=True)
    )


@pytest.mark.parametrize(
    ("role", "group"),
    [
        ("national", "National organisers"),
        ("group", "Group organisers"),
        ("regional", "Regional organisers"),
        ("editor", "Editors"),
    ],
)
def test_a_new_staff_user_joins_their_roles_group(role, group):
    user = UserFactory(role=role, group=GroupFactory(), region=RegionFactory())
    assert role_groups(user) == {group}


def test_a_new_role_moves_the_user_to_its_group_and_keeps_their_other_groups():
    user = UserFactory(role=User.Role.NATIONAL)
    newsletter = AuthGroup.objects.create(name="Newsletter")
    user.groups.add(newsletter)
    user.role = User.Role.EDITOR
    user.save()
    assert role_groups(user) == {"Editors"}
    assert newsletter in user.groups.all()
    user = User.objects.get(pk=user.pk)
    assert not user.has_perm("members.view_member")
    assert user.has_perm("articles.change_article")


def test_a_user_who_is_not_staff_is_in_no_role_group():
    user = UserFactory(role=User.Role.NATIONAL)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    assert role_groups(user) == set()
    user.is_staff = True
    user.save()
    assert role_groups(user) == {"National organisers"}


def test_a_login_leaves_the_groups_alone(django_assert_num_queries):
    """Logging in saves last_login only: one UPDATE, no group queries."""
    user = UserFactory(role=User.Role.NATIONAL)
    with django_assert_num_queries(1):
        user.save(update_fields=["last_login"])


def test_a_missing_role_group_fails_closed():
    """A role group deleted by hand is not recreated: its role then holds nothing."""
    AuthGroup.objects.filter(name="Regional organisers").delete()
    user = User.objects.create_user(  # not UserFactory, which makes the groups again
        "regional", is_staff=True, role=User.Role.REGIONAL, region=RegionFactory()
    )
    assert User.objects.get(pk=user.pk).get_all_permissions() == set()


def test_changing_the_role_in_the_admin_moves_the_group(client):
    """The admin form saves the groups it shows after the user: the role still wins."""
    client.force_login(UserFactory(role=User.Role.NATIONAL))
    dwp = GroupFactory()
    target = UserFactory(username="target", role=User.Role.GROUP, group=dwp)
    old = AuthGroup.objects.get(name="Group organisers")
    response = client.post(
        reverse("admin:members_user_change", args=[target.pk]),
        {
            "username": "target",
            "is_active": "on",
            "is_staff": "on",
            "groups": [old.pk],  # the form still ticks the old role's group
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
            "role": User.Role.NATIONAL,
            "group": "",
            "region": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.role == User.Role.NATIONAL
    assert role_groups(target) == {"National organisers"}


def test_the_migration_puts_existing_staff_in_their_roles_group():
    staff = UserFactory(role=User.Role.REGIONAL, region=RegionFactory())
    left = UserFactory(username="left", role=User.Role.NATIONAL)
    staff.groups.clear()
    User.objects.filter(pk=left.pk).update(is_staff=False)
    left.groups.clear()
    MIGRATION.put_staff_in_role_groups(apps, None)
    assert role_groups(staff) == {"Regional organisers"}
    assert role_groups(left) == set()


def test_the_migration_only_adds_to_a_group_that_already_exists():
    """Organisers keep what their existing group gave them."""
    group = AuthGroup.objects.get(name="Editors")
    extra = Permission.objects.get(codename="view_member")
    group.permissions.add(extra)
    MIGRATION.create_role_groups(apps, None)
    assert extra in group.permissions.all()
    assert group.permissions.filter(codename="change_article").exists()
