"""The admin's list filters offer only what the organiser may see: no other group's
elections (published or not), groups or regions."""

import pytest
from django.urls import reverse

from campaign.models import Election

pytestmark = pytest.mark.django_db

PAGES = [
    "campaign_election",
    "campaign_position",
    "campaign_candidate",
    "campaign_branchmeeting",
    "campaign_nomination",
    "campaign_nominationreport",
    "members_branchcontactlink",
]


def filter_choices(response) -> list[str]:
    changelist = response.context["cl"]
    return [
        str(choice["display"])
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
    ]


@pytest.mark.parametrize("page", PAGES)
def test_group_organiser_filters_name_no_other_group(client, world, page):
    """The DWP organiser's filters never offer HMRC or its unpublished election."""
    Election.objects.filter(pk=world["hgec"].pk).update(is_published=False)
    client.force_login(world["organiser"])
    response = client.get(reverse(f"admin:{page}_changelist"))
    assert response.status_code == 200
    choices = filter_choices(response)
    assert not [c for c in choices if "HMRC" in c], choices


def test_national_organiser_filters_offer_every_election(client, world):
    client.force_login(world["national"])
    response = client.get(reverse("admin:campaign_position_changelist"))
    assert "HMRC GEC 2027" in filter_choices(response) or not world["hgec"].positions.exists()
