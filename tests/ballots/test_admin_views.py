"""Organisers' pages: dashboard, readiness, grids and CSV imports, within scope."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from ballots.models import (
    Ballot,
    BallotUnit,
    BargainingUnit,
    BranchReadiness,
    TurnoutReturn,
    UnitBranch,
)
from members.models import AuditEvent, Branch, User
from tests.ballots.conftest import organiser
from tests.ballots.factories import BallotFactory, BallotUnitFactory, BargainingUnitFactory

pytestmark = pytest.mark.django_db


def _dashboard(ballot, **query):
    url = reverse("admin:ballots_ballot_dashboard", args=[ballot.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@time_machine.travel(dt.datetime(2026, 3, 11, 9, tzinfo=dt.UTC), tick=False)
def test_dashboard_shows_units_closest_first_with_charts_and_timetable(client, returns, national):
    client.force_login(national)
    response = client.get(_dashboard(returns["ballot"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Tax offices") < html.index("Jobcentres")
    assert "Needs 5 more votes" in html
    assert 'role="img"' in html
    assert "<desc" in html
    assert "Show the figures as a table" in html
    assert "Notice of ballot to reach the employer" in html
    assert "at least 50% of those entitled must vote" in html
    assert "no support threshold" in html


def _big_ballot(tag, *, units, branches, days):
    """A ballot over `units` units sharing `branches` branches, with `days` days of returns
    for every branch (60,000 returns at full size, built in well under a second)."""
    from tests.factories import GroupFactory, RegionFactory

    opens = dt.date(2026, 3, 2)
    ballot = BallotFactory(
        name=f"Ballot {tag}", opens_on=opens, closes_on=opens + dt.timedelta(days=days + 1)
    )
    group, region = GroupFactory(code=f"big-{tag}"), RegionFactory(code=f"big-{tag}")
    branch_rows = Branch.objects.bulk_create(
        Branch(code=f"{tag}-{i:04d}", name=f"Branch {tag} {i}", group=group, region=region)
        for i in range(branches)
    )
    unit_rows = BargainingUnit.objects.bulk_create(
        BargainingUnit(group=group, code=f"{tag}-unit-{i}", name=f"Unit {tag} {i}")
        for i in range(units)
    )
    UnitBranch.objects.bulk_create(
        UnitBranch(unit=unit_rows[i % units], branch=b) for i, b in enumerate(branch_rows)
    )
    BallotUnit.objects.bulk_create(
        BallotUnit(ballot=ballot, unit=u, entitled=2000 + i) for i, u in enumerate(unit_rows)
    )
    # The returns in one INSERT ... SELECT: 60,000 model instances would take ~2.5 s
    # to build in Python, which is not what this test measures.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ballots_turnoutreturn
                (ballot_id, branch_id, counted_on, voted, source, created_at)
            SELECT %s, b.id, %s::date + d, d * 3, 'admin', now()
            FROM members_branch b, generate_series(0, %s - 1) AS d
            WHERE b.id = ANY(%s)
            """,
            [ballot.pk, opens, days, [b.pk for b in branch_rows]],
        )
    return ballot


def _count_queries(client, url):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_dashboard_query_count_is_fixed_from_small_to_full_size(client, national):
    """The quality bar: 200 units, 1,000 branches, 60 days of returns run the same small
    number of queries as 10 units, 50 branches and 5 days: the count does not grow."""
    small = _big_ballot("s", units=10, branches=50, days=5)
    full = _big_ballot("f", units=200, branches=1000, days=60)
    assert TurnoutReturn.objects.filter(ballot=full).count() == 60_000
    client.force_login(national)
    as_of = "2026-05-01"
    # session, user, 2 permission lookups, ballot, rules, action dates, units, series
    small_count, _ = _count_queries(client, _dashboard(small, as_of=as_of))
    full_count, html = _count_queries(client, _dashboard(full, as_of=as_of))
    assert full_count == small_count <= 9
    assert html.count("bl-chart__svg") == 12
    assert "Unit f 199" in html
    # Every unit's chart: still the same queries.
    all_count, html = _count_queries(client, _dashboard(full, as_of=as_of, charts="all"))
    assert all_count == full_count
    assert html.count("bl-chart__svg") == 200


def test_every_units_chart_is_one_link_away_and_scoped(client, world):
    """Beyond the 12 closest units, ?charts=all charts every unit; each table row links
    to its unit's chart; a group organiser's 'all' is all of their own units only."""
    ballot = world["ballot"]
    extra = [BargainingUnitFactory(group=world["g1"], name=f"Extra {i:02d}") for i in range(13)]
    for unit in extra:
        BallotUnitFactory(ballot=ballot, unit=unit, entitled=100)
    user = organiser(User.Role.GROUP, group=world["g1"])
    client.force_login(user)
    html = client.get(_dashboard(ballot, as_of="2026-03-11")).content.decode()
    assert html.count("bl-chart__svg") == 12
    assert "Show every unit's chart (14)" in html
    link = "?as_of=2026-03-11&amp;charts=all"
    assert f'href="{link}#charts"' in html
    charted = [u for u in [world["u1"], *extra] if f'id="chart-{u.pk}"' in html]
    uncharted = [u for u in [world["u1"], *extra] if u not in charted]
    assert len(uncharted) == 2
    assert f'href="#chart-{charted[0].pk}"' in html
    assert f'href="{link}#chart-{uncharted[0].pk}"' in html

    html = client.get(_dashboard(ballot, as_of="2026-03-11", charts="all")).content.decode()
    assert html.count("bl-chart__svg") == 14
    assert all(f'id="chart-{u.pk}"' in html for u in [world["u1"], *extra])
    assert f'id="chart-{world["u2"].pk}"' not in html
    assert "Tax offices" not in html
    assert "Show only the 12 closest" in html

    client.force_login(organiser(User.Role.NATIONAL))
    html = client.get(_dashboard(ballot, charts="all")).content.decode()
    assert html.count("bl-chart__svg") == 15
    assert "Cumulative turnout in Tax offices" in html


def test_group_organiser_gets_404_for_a_ballot_outside_their_group(client, world):
    other = BallotFactory()
    BallotUnitFactory(ballot=other, unit=world["u2"])
    user = organiser(User.Role.GROUP, group=world["g1"])
    client.force_login(user)
    assert client.get(_dashboard(other)).status_code == 404
    assert client.get(reverse("admin:ballots_turnout_grid", args=[other.pk])).status_code == 404
    html = client.get(_dashboard(world["ballot"])).content.decode()
    assert "Jobcentres" in html
    assert "Tax offices" not in html


def test_pages_need_the_ballots_permissions(client, world):
    user = User.objects.create_user(
        "noperm", password="x-long-password", is_staff=True, role=User.Role.NATIONAL
    )
    client.force_login(user)
    assert client.get(_dashboard(world["ballot"])).status_code == 403
    assert client.get(reverse("admin:ballots_readiness_grid")).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("admin:ballots_readiness_overview"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


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


def _csv(text):
    return SimpleUploadedFile("figures.csv", text.encode(), content_type="text/csv")


READINESS_CSV = (
    "branch_code,taken_on,members,staff_in_post,with_email,with_mobile,with_contact,"
    "with_home_address,reps,advocates,meetings_held,ballot_committee\n"
    "JC-1,2026-03-20,80,120,60,50,70,75,2,1,1,yes\n"
    "TX-1,2026-03-20,40,,30,20,35,38,1,,,no\n"
)


def test_readiness_csv_import(client, world, national):
    client.force_login(national)
    before = BranchReadiness.objects.count()
    response = client.post(reverse("admin:ballots_readiness_import"), {"file": _csv(READINESS_CSV)})
    assert response.status_code == 302
    assert BranchReadiness.objects.count() == before + 2
    assert BranchReadiness.objects.filter(source="csv", branch__code="JC-1", ballot_committee=True)


def test_readiness_csv_with_bad_lines_reports_each_and_saves_nothing(client, world, national):
    client.force_login(national)
    text = (
        READINESS_CSV
        + "NOPE,2026-03-20,1,1,1,1,1,1,0,0,0,no\n"
        + "JC-2,tomorrow,5,5,9,1,1,1,0,0,0,maybe\n"
        + "JC-2,2026-03-20,5,5,9,1,9,1,0,0,0,no\n"
    )
    before = BranchReadiness.objects.count()
    response = client.post(reverse("admin:ballots_readiness_import"), {"file": _csv(text)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 4: Branch code &#x27;NOPE&#x27; is not a branch you can enter figures for" in html
    assert "Line 5: Ballot committee formed must be yes or no" in html
    assert "Line 6:" in html
    assert BranchReadiness.objects.count() == before


def test_readiness_csv_missing_columns_and_not_utf8(client, world, national):
    client.force_login(national)
    url = reverse("admin:ballots_readiness_import")
    assert (
        "Add the missing column(s) to the header row: members"
        in client.post(
            url, {"file": _csv("branch_code,taken_on\nJC-1,2026-03-01\n")}
        ).content.decode()
    )
    bad = SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    assert "must be a CSV saved as UTF-8" in client.post(url, {"file": bad}).content.decode()


def test_readiness_csv_cannot_reach_branches_outside_scope(client, world):
    user = organiser(User.Role.GROUP, group=world["g2"])
    client.force_login(user)
    html = client.post(
        reverse("admin:ballots_readiness_import"), {"file": _csv(READINESS_CSV)}
    ).content.decode()
    assert "Line 2: Branch code &#x27;JC-1&#x27; is not a branch you can enter figures for" in html


def test_turnout_csv_import(client, world, national):
    client.force_login(national)
    url = reverse("admin:ballots_turnout_import")
    assert client.get(url).status_code == 200
    ballot = world["ballot"]
    good = "branch_code,counted_on,voted\nJC-1,2026-03-05,10\nJC-2,2026-03-05,12\n"
    assert client.post(url, {"ballot": ballot.pk, "file": _csv(good)}).status_code == 302
    assert TurnoutReturn.objects.count() == 2
    bad = (
        "branch_code,counted_on,voted\nJC-1,2026-03-06,11\nJC-1,2026-03-06,12\nJC-2,2026-09-01,-1\n"
    )
    html = client.post(url, {"ballot": ballot.pk, "file": _csv(bad)}).content.decode()
    assert "Line 3: This branch has two counts for the same date: keep one" in html
    assert "Line 4:" in html
    assert TurnoutReturn.objects.count() == 2


@pytest.mark.parametrize(
    "name",
    [
        "ballots_legalrule",
        "ballots_bargainingunit",
        "ballots_branchreadiness",
        "ballots_readinessthreshold",
        "ballots_structuretest",
        "ballots_ballot",
        "ballots_turnoutreturn",
    ],
)
def test_admin_lists_and_add_pages_render(client, returns, national, name):
    client.force_login(national)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{name}_add")).status_code in (200, 403)


def test_snapshots_cannot_be_edited_and_out_of_scope_ones_are_404(client, world):
    user = organiser(User.Role.GROUP, group=world["g1"])
    client.force_login(user)
    own = BranchReadiness.objects.filter(branch=world["b1"]).first()
    other = BranchReadiness.objects.filter(branch=world["b3"]).first()
    url = reverse("admin:ballots_branchreadiness_change", args=[own.pk])
    response = client.post(url, {"members": "1"})
    assert response.status_code in (200, 403)
    own.refresh_from_db()
    assert own.members == 100
    assert (
        client.get(reverse("admin:ballots_branchreadiness_change", args=[other.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("admin:ballots_bargainingunit_change", args=[world["u2"].pk])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("admin:ballots_bargainingunit_change", args=[world["u1"].pk])
        ).status_code
        == 200
    )
    listing = client.get(reverse("admin:ballots_ballot_changelist")).content.decode()
    assert world["ballot"].name in listing
    assert Ballot.objects.visible_to(user).count() == 1


def test_structure_tests_show_dated_progress_within_scope(client, world):
    from ballots.models import StructureTest, StructureTestProgress

    own = StructureTest.objects.create(
        title="Sign the petition",
        unit=world["u1"],
        target_percent=70,
        deadline=dt.date(2026, 3, 14),
    )
    StructureTestProgress.objects.create(
        test=own, recorded_on=dt.date(2026, 3, 1), done=50, out_of=100
    )
    StructureTestProgress.objects.create(
        test=own, recorded_on=dt.date(2026, 3, 8), done=72, out_of=100
    )
    StructureTest.objects.create(
        title="Hidden test", branch=world["b3"], target_percent=50, deadline=dt.date(2026, 3, 14)
    )
    client.force_login(organiser(User.Role.GROUP, group=world["g1"]))
    html = client.get(reverse("admin:ballots_readiness_overview")).content.decode()
    assert "Sign the petition" in html
    assert "8 Mar: 72% (met)" in html
    assert "1 Mar: 50%" in html
    assert "Hidden test" not in html
    listing = client.get(reverse("admin:ballots_structuretest_changelist")).content.decode()
    assert "Hidden test" not in listing


PAGES = [
    ("dashboard", lambda w: reverse("admin:ballots_ballot_dashboard", args=[w["own_ballot"].pk])),
    ("turnout grid", lambda w: reverse("admin:ballots_turnout_grid", args=[w["own_ballot"].pk])),
    ("ballot", lambda w: reverse("admin:ballots_ballot_change", args=[w["own_ballot"].pk])),
    ("unit", lambda w: reverse("admin:ballots_bargainingunit_change", args=[w["u1"].pk])),
]
OTHER = [
    ("dashboard", lambda w: reverse("admin:ballots_ballot_dashboard", args=[w["other_ballot"].pk])),
    ("turnout grid", lambda w: reverse("admin:ballots_turnout_grid", args=[w["other_ballot"].pk])),
    ("ballot", lambda w: reverse("admin:ballots_ballot_change", args=[w["other_ballot"].pk])),
    ("unit", lambda w: reverse("admin:ballots_bargainingunit_change", args=[w["u2"].pk])),
]


@pytest.mark.parametrize(
    ("role", "own_status", "other_status"),
    [("national", 200, 200), ("group", 200, 404), ("regional", 200, 404), ("editor", 404, 404)],
)
@pytest.mark.parametrize("page", range(len(PAGES)))
def test_permission_matrix(client, world, role, own_status, other_status, page):
    """Each role reaches its own group's ballot pages; anything else is a 404."""
    world["own_ballot"] = BallotFactory()
    BallotUnitFactory(ballot=world["own_ballot"], unit=world["u1"])
    world["other_ballot"] = BallotFactory()
    BallotUnitFactory(ballot=world["other_ballot"], unit=world["u2"])
    if role == "regional":
        # u2's branches are all moved out of the organiser's region
        world["b3"].region = world["south"]
        world["b3"].save()
    extra = {"group": {"group": world["g1"]}, "regional": {"region": world["north"]}}
    client.force_login(organiser(role, **extra.get(role, {})))
    assert client.get(PAGES[page][1](world)).status_code == own_status
    assert client.get(OTHER[page][1](world)).status_code == other_status


@pytest.mark.parametrize("param", ["unit", "group", "region"])
def test_grid_filters_ignore_digits_that_are_not_numbers(client, world, national, param):
    """ "²" passes str.isdigit(), yet int() refuses it: ignored, not a 500."""
    client.force_login(national)
    response = client.get(reverse("admin:ballots_readiness_grid"), {param: "²"})
    assert response.status_code == 200
