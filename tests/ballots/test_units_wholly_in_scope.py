"""A bargaining unit (or a structure test on one) with branches outside an organiser's
scope is read-only to them, as a shared ballot is: its delete page would name other
regions' branches and the delete would take their unit links and tests with it."""

import pytest
from django.urls import reverse

from ballots.models import BargainingUnit, StructureTest, UnitBranch
from members.models import User
from tests.ballots.conftest import organiser
from tests.ballots.factories import BargainingUnitFactory, StructureTestFactory, UnitBranchFactory
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db


def _url(name, obj):
    return reverse(f"admin:ballots_{name}", args=[obj.pk])


def test_regional_organiser_cannot_delete_or_change_a_unit_with_other_regions_branches(
    client, world
):
    """u1 has Leeds JC (north) and Exeter JC (south): a northern organiser reads it only."""
    client.force_login(organiser(User.Role.REGIONAL, region=world["north"]))
    unit = world["u1"]

    delete = client.get(_url("bargainingunit_delete", unit))
    assert delete.status_code == 403
    assert "Exeter" not in delete.content.decode()
    assert client.post(_url("bargainingunit_delete", unit), {"post": "yes"}).status_code == 403
    assert UnitBranch.objects.filter(unit=unit).count() == 2

    change = client.get(_url("bargainingunit_change", unit))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert "Exeter" not in change.content.decode()
    posted = client.post(_url("bargainingunit_change", unit), {"name": "Renamed"})
    assert posted.status_code == 403
    assert BargainingUnit.objects.get(pk=unit.pk).name == "Jobcentres"

    changelist = reverse("admin:ballots_bargainingunit_changelist")
    bulk = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [unit.pk], "post": "yes"}
    )
    assert "Exeter" not in bulk.content.decode()
    assert BargainingUnit.objects.filter(pk=unit.pk).exists()


def test_a_unit_wholly_in_the_region_can_still_be_deleted(client, world):
    unit = BargainingUnitFactory(group=world["g1"], name="Leeds only", code="leeds-only")
    branch = BranchFactory(group=world["g1"], region=world["north"], name="Leeds 2", code="JC-3")
    UnitBranchFactory(unit=unit, branch=branch)
    client.force_login(organiser(User.Role.REGIONAL, region=world["north"]))
    assert client.get(_url("bargainingunit_delete", unit)).status_code == 200
    assert client.get(_url("bargainingunit_change", unit)).context["has_change_permission"]


def test_structure_test_on_a_unit_not_wholly_in_scope_is_read_only(client, world):
    test = StructureTestFactory(unit=world["u1"], branch=None, title="Sign the petition")
    own = StructureTestFactory(unit=None, branch=world["b1"], title="Leeds petition")
    client.force_login(organiser(User.Role.REGIONAL, region=world["north"]))

    assert client.get(_url("structuretest_delete", test)).status_code == 403
    assert client.post(_url("structuretest_delete", test), {"post": "yes"}).status_code == 403
    assert StructureTest.objects.filter(pk=test.pk).exists()
    change = client.get(_url("structuretest_change", test))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False

    assert client.get(_url("structuretest_delete", own)).status_code == 200


def test_national_organiser_still_deletes_any_unit(client, world):
    client.force_login(organiser(User.Role.NATIONAL))
    assert client.get(_url("bargainingunit_delete", world["u1"])).status_code == 200
