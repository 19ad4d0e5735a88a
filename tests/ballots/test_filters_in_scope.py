"""The ballots and structure admin's list filters offer only the organiser's regions
and groups."""

import pytest
from django.urls import reverse

from members.models import User
from tests.ballots.conftest import organiser

pytestmark = pytest.mark.django_db


def filter_choices(response) -> list[str]:
    changelist = response.context["cl"]
    return [
        str(choice["display"])
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
    ]


@pytest.mark.parametrize(
    "page", ["ballots_branchreadiness", "members_branch", "ballots_bargainingunit"]
)
def test_regional_organiser_filters_offer_only_their_region(client, world, page):
    from django.contrib.auth.models import Permission

    user = organiser(User.Role.REGIONAL, region=world["north"])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="members"))
    client.force_login(User.objects.get(pk=user.pk))
    response = client.get(reverse(f"admin:{page}_changelist"))
    assert response.status_code == 200
    choices = filter_choices(response)
    assert str(world["south"]) not in choices, choices


def test_group_organiser_unit_filter_offers_only_their_group(client, world):
    client.force_login(organiser(User.Role.GROUP, group=world["g1"]))
    response = client.get(reverse("admin:ballots_bargainingunit_changelist"))
    assert str(world["g2"]) not in filter_choices(response)
