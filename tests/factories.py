"""Factories shared by every app's tests."""

import datetime
import hashlib
import importlib

import factory
from django.apps import apps
from django.contrib.auth.models import Group as AuthGroup

from members.models import Branch, BranchContactLink, Group, Member, Region, User, Workplace


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"group{n}")
    name = factory.Sequence(lambda n: f"Group {n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"region{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"BR-{n:05d}")
    name = factory.Sequence(lambda n: f"Branch {n}")
    group = factory.SubFactory(GroupFactory)
    region = factory.SubFactory(RegionFactory)


class WorkplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workplace

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Office {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"member{n}@example.org")
    branch = factory.SubFactory(BranchFactory)
    grade = Member.Grade.AO
    status = Member.Status.CONFIRMED


def role_groups() -> None:
    """Make sure each role's auth group exists, with its permissions.

    Members migration 0006 makes them; a transactional test empties every table
    afterwards, so the next user would join no group and hold no permission.
    This runs the migration's own step again (it only ever adds).
    """
    if AuthGroup.objects.filter(name__in=User.ROLE_GROUPS.values()).count() < len(User.ROLE_GROUPS):
        migration = importlib.import_module("members.migrations.0006_role_groups")
        migration.create_role_groups(apps, None)
        importlib.import_module("members.migrations.0008_broadcast_permissions").grant(apps, None)


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user with a role (national by default), in their role's auth group as
    User.save puts them, so they hold their role's permissions."""

    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"organiser{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    role = User.Role.NATIONAL
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            role_groups()
            obj.save()  # also joins the role's group


class BranchContactLinkFactory(factory.django.DjangoModelFactory):
    """A live link; use BranchContactLink.issue() when the test needs the token."""

    class Meta:
        model = BranchContactLink

    branch = factory.SubFactory(BranchFactory)
    contact_name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    expires_at = factory.LazyFunction(
        lambda: datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    )
