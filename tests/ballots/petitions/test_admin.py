"""Organisers and petitions: tied to a test in scope or faction-wide, signatures only
from their own scope's branches; writing petitions is for national organisers."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.ballots.factories import (
    PetitionFactory,
    PetitionSignatureFactory,
    StructureTestFactory,
)
from tests.members.permissions.worlds import make_world, organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def worlds():
    return make_world("a"), make_world("b")


def test_a_group_organiser_sees_petitions_and_signatures_of_their_scope_only(client, worlds):
    a, b = worlds
    own = PetitionFactory(
        title="Own petition", structure_test=StructureTestFactory(branch=a.branch)
    )
    other = PetitionFactory(
        title="Other petition", structure_test=StructureTestFactory(branch=b.branch)
    )
    national = PetitionFactory(title="Faction petition", structure_test=None)
    PetitionSignatureFactory(petition=national, branch=a.branch, name="Ada Inscope")
    PetitionSignatureFactory(petition=national, branch=b.branch, name="Bea Outscope")
    PetitionSignatureFactory(
        petition=national, branch=None, workplace="Somewhere", name="Cy Nobranch"
    )
    client.force_login(organiser("group", a, every_permission=False))
    listing = client.get(reverse("admin:ballots_petition_changelist")).content.decode()
    assert "Own petition" in listing
    assert "Faction petition" in listing
    assert "Other petition" not in listing
    assert client.get(reverse("admin:ballots_petition_change", args=[other.pk])).status_code == 404
    page = client.get(reverse("admin:ballots_petition_change", args=[national.pk])).content.decode()
    assert "Ada Inscope" in page
    assert "Bea Outscope" not in page
    assert "Cy Nobranch" not in page
    assert client.get(reverse("admin:ballots_petition_change", args=[own.pk])).status_code == 200


def test_only_national_organisers_write_petitions(client, worlds):
    client.force_login(organiser("group", worlds[0], every_permission=False))
    assert client.get(reverse("admin:ballots_petition_add")).status_code == 403
    client.force_login(organiser("national", worlds[0], every_permission=False))
    assert client.get(reverse("admin:ballots_petition_add")).status_code == 200


def test_the_list_counts_confirmed_signatures(client, worlds):
    petition = PetitionFactory(title="Counted", structure_test=None)
    PetitionSignatureFactory.create_batch(3, petition=petition, confirmed_at=timezone.now())
    PetitionSignatureFactory(petition=petition)
    client.force_login(organiser("national", worlds[0], every_permission=False))
    listing = client.get(reverse("admin:ballots_petition_changelist"))
    [row] = listing.context["cl"].result_list
    assert row.signed == 3
