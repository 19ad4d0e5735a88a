"""The readiness overview and the grids that enter many branches' figures at once."""

import datetime as dt

import pytest
from django.urls import reverse

from ballots.models import BranchReadiness, TurnoutReturn
from members.models import AuditEvent, User
from tests.ballots.conftest import organiser

pytestmark = pytest.mark.django_db


def test_readiness_overview(client, world, national, django_assert_max_num_queries):
    client.force_login(national)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:ballots_readiness_overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Contact coverage, least covered first: all 4 branches, coloured by readiness" in html
    assert "Readiness of 4 branches:" in html
    assert "Jobcentres" in html
    assert "Leeds JC" in html


def _grid_post(world, **values):
    data = {"on": "2026-03-20"}
    for key, value in values.items():
        branch, field = key.split("__")
        data[f"b{world[branch].pk}-{field}"] = value
    return data


GOOD = {
    "members": "80",
    "staff_in_post": "120",
    "with_email": "60",
    "with_mobile": "50",
    "with_contact": "70",
    "with_home_address": "75",
    "reps": "2",
}


def _row(branch, values):
    return {f"{branch}__{k}": v for k, v in values.items()}


def test_readiness_grid_saves_filled_rows_as_new_snapshots(client, world, national):
    client.force_login(national)
    url = reverse("admin:ballots_readiness_grid")
    assert client.get(url).status_code == 200
    before = BranchReadiness.objects.count()
    data = _grid_post(world, **_row("b1", GOOD), **_row("b3", {**GOOD, "ballot_committee": "on"}))
    response = client.post(url, data)
    assert response.status_code == 302
    assert BranchReadiness.objects.count() == before + 2
    new = BranchReadiness.objects.get(branch=world["b3"], taken_on=dt.date(2026, 3, 20))
    assert new.ballot_committee
    assert new.source == "grid"
    assert new.entered_by == national
    assert AuditEvent.objects.filter(subject="ballots.branchreadiness", rows=2).exists()


def test_readiness_grid_with_one_bad_row_saves_nothing(client, world, national):
    client.force_login(national)
    before = BranchReadiness.objects.count()
    bad = {**GOOD, "with_contact": "200"}
    response = client.post(
        reverse("admin:ballots_readiness_grid"),
        _grid_post(world, **_row("b1", GOOD), **_row("b2", bad)),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Nothing has been saved" in html
    assert "cannot be more than the members" in html
    assert 'value="200"' in html  # what was typed is kept
    assert BranchReadiness.objects.count() == before


def test_readiness_grid_only_lists_branches_in_scope(client, world):
    user = organiser(User.Role.REGIONAL, region=world["north"])
    client.force_login(user)
    html = client.get(reverse("admin:ballots_readiness_grid")).content.decode()
    assert "Leeds JC" in html
    assert "Exeter JC" not in html
    before = BranchReadiness.objects.count()
    client.post(reverse("admin:ballots_readiness_grid"), _grid_post(world, **_row("b2", GOOD)))
    assert BranchReadiness.objects.count() == before


def test_turnout_grid_saves_and_same_day_replaces(client, world, national):
    client.force_login(national)
    url = reverse("admin:ballots_turnout_grid", args=[world["ballot"].pk])
    assert client.get(url).status_code == 200
    data = {"on": "2026-03-12", f"b{world['b1'].pk}-voted": "33"}
    assert client.post(url, data).status_code == 302
    data[f"b{world['b1'].pk}-voted"] = "35"
    client.post(url, data)
    assert list(TurnoutReturn.objects.values_list("voted", flat=True)) == [35]


def test_turnout_grid_rejects_a_date_outside_the_ballot(client, world, national):
    client.force_login(national)
    url = reverse("admin:ballots_turnout_grid", args=[world["ballot"].pk])
    response = client.post(url, {"on": "2026-05-01", f"b{world['b1'].pk}-voted": "3"})
    assert response.status_code == 200
    assert (
        "The date of the count must be between 2 March 2026 and 31 March 2026, while voting runs"
        in response.content.decode()
    )
    assert not TurnoutReturn.objects.exists()


@pytest.mark.parametrize("param", ["unit", "group", "region"])
def test_grid_filters_ignore_digits_that_are_not_numbers(client, world, national, param):
    """ "²" passes str.isdigit(), yet int() refuses it: ignored, not a 500."""
    client.force_login(national)
    response = client.get(reverse("admin:ballots_readiness_grid"), {param: "²"})
    assert response.status_code == 200
