"""The demo loader: a lived-in site, and safe to run twice."""

import pytest
from django.core.management import call_command

from members.models import Branch, Group, Region

pytestmark = pytest.mark.django_db


def _counts():
    return (Group.objects.count(), Region.objects.count(), Branch.objects.count())


def test_load_demo_twice_adds_nothing_the_second_time():
    call_command("load_demo")
    first = _counts()
    assert first[0] >= 5
    assert first[1] >= 8
    assert first[2] >= 200
    call_command("load_demo")
    assert _counts() == first


def test_every_branch_has_a_workplace():
    call_command("load_demo")
    assert not Branch.objects.filter(workplaces__isnull=True).exists()
