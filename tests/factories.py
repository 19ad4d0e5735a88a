"""Factories shared by every app's tests."""

import datetime
import hashlib

import factory

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


class UserFactory(factory.django.DjangoModelFactory):
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
            obj.save()


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
