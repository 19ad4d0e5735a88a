"""Elections and slates: warnings, reordering, and who may see or edit which election."""

import pytest
from django.urls import reverse

from campaign.models import Position, ReservedSeatRule
from members.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_slate_warnings_show_on_the_election_page(client, world):
    client.force_login(world["national"])
    ReservedSeatRule.objects.create(election=world["nec"], category="Black members", seats=2)
    response = client.get(reverse("admin:campaign_election_change", args=[world["nec"].pk]))
    assert "2 seats are reserved for Black members" in response.content.decode()
    response = client.get(reverse("admin:campaign_position_change", args=[world["vps"].pk]))
    assert response.status_code == 200
    assert "2 seats are reserved for Black members" in response.content.decode()


def test_slate_reordered_inline(client, world):
    client.force_login(world["national"])
    vps = world["vps"]
    url = reverse("admin:campaign_position_change", args=[vps.pk])
    bob, cat = world["bob"], world["cat"]
    data = {
        "election": world["nec"].pk,
        "title": vps.title,
        "seats": 2,
        "votes_per_member": 1,
        "order": 1,
        "candidates-TOTAL_FORMS": 2,
        "candidates-INITIAL_FORMS": 2,
        "candidates-0-id": bob.pk,
        "candidates-0-position": vps.pk,
        "candidates-0-name": "Bob",
        "candidates-0-affiliation": "ours",
        "candidates-0-order": 5,
        "candidates-1-id": cat.pk,
        "candidates-1-position": vps.pk,
        "candidates-1-name": "Cat",
        "candidates-1-affiliation": "ours",
        "candidates-1-order": 1,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(vps.candidates.values_list("name", flat=True)) == ["Cat", "Bob"]


@pytest.mark.parametrize(
    ("who", "election", "status"),
    [
        ("national", "nec", 200),
        ("national", "hgec", 200),
        ("organiser", "nec", 200),  # national: visible to every organiser
        ("organiser", "gec", 200),
        ("organiser", "hgec", 404),  # another group's election does not exist for them
    ],
)
@pytest.mark.parametrize("page", ["campaign_election_change", "campaign_election_board"])
def test_election_pages_are_scoped(client, world, who, election, status, page):
    client.force_login(world[who])
    response = client.get(reverse(f"admin:{page}", args=[world[election].pk]))
    assert response.status_code == status


def test_group_organiser_cannot_edit_a_national_election(client, world):
    client.force_login(world["organiser"])
    url = reverse("admin:campaign_election_change", args=[world["nec"].pk])
    response = client.post(url, {"name": "Hijacked"})
    assert response.status_code == 403
    world["nec"].refresh_from_db()
    assert world["nec"].name == "NEC 2027"


def test_regional_organiser_sees_national_elections_but_cannot_add_to_them(client, world):
    regional = UserFactory(username="reg", role=User.Role.REGIONAL, region=world["region"])
    client.force_login(regional)
    assert (
        client.get(reverse("admin:campaign_election_board", args=[world["nec"].pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:campaign_election_change", args=[world["gec"].pk])).status_code
        == 404
    )
    response = client.post(
        reverse("admin:campaign_position_add"),
        {
            "election": world["nec"].pk,
            "title": "Sneaky",
            "seats": 1,
            "votes_per_member": 1,
            "order": 9,
            "candidates-TOTAL_FORMS": 0,
            "candidates-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form refuses the national election
    assert not Position.objects.filter(title="Sneaky").exists()


def test_editor_sees_no_campaign_admin(client, world):
    client.force_login(UserFactory(role=User.Role.EDITOR))
    assert client.get(reverse("admin:campaign_election_changelist")).status_code == 403


@pytest.mark.parametrize(
    "model",
    [
        "election",
        "position",
        "candidate",
        "branchmeeting",
        "nomination",
        "nominationreport",
        "noticerule",
    ],
)
@pytest.mark.parametrize("who", ["national", "organiser"])
def test_every_campaign_admin_list_and_add_page_opens(client, world, model, who):
    client.force_login(world[who])
    assert client.get(reverse(f"admin:campaign_{model}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:campaign_{model}_add"))
    read_only = model in {"nomination", "nominationreport"} or (
        model == "noticerule" and who != "national"
    )
    assert add.status_code == (403 if read_only else 200)
