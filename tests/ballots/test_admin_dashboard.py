"""The ballot dashboard: units closest to the line first, charts, timetable, a fixed
number of queries whatever the size, and only the organiser's own units."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from ballots.admin_views import DASHBOARD_TOPICS
from ballots.models import BallotUnit, BargainingUnit, TurnoutReturn, UnitBranch
from ballots.services import turnout_record
from core import pagecache
from members.models import Branch, User
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
    pagecache.invalidate(DASHBOARD_TOPICS)  # their versions exist, as on a running site
    client.force_login(national)
    _count_queries(client, _dashboard(small, as_of="2026-04-30"))  # and this process read them
    as_of = "2026-05-01"
    # session, user, 2 permission lookups, ballot, rules, action dates, units, series;
    # and the shared cache's: the kept body, storing it (6)
    small_count, _ = _count_queries(client, _dashboard(small, as_of=as_of))
    full_count, html = _count_queries(client, _dashboard(full, as_of=as_of))
    assert full_count == small_count <= 9 + 6
    assert html.count("bl-chart__svg") == 12
    assert "Unit f 199" in html
    # Every unit's chart: still the same queries.
    all_count, html = _count_queries(client, _dashboard(full, as_of=as_of, charts="all"))
    assert all_count == full_count
    assert html.count("bl-chart__svg") == 200
    # Seen again, the body is kept: session, user, 2 permission lookups, ballot.
    again_count, again = _count_queries(client, _dashboard(full, as_of=as_of, charts="all"))
    assert again_count <= 5
    assert again.split("<h2>Timetable</h2>")[1] == html.split("<h2>Timetable</h2>")[1]


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


@time_machine.travel(dt.datetime(2026, 3, 11, 9, tzinfo=dt.UTC), tick=False)
def test_a_kept_dashboard_is_rebuilt_once_a_figure_it_shows_changes(client, returns, national):
    """The body is kept per ballot, scope, day and view: a turnout import (bulk_create,
    no signals) moves it at once, and a regional organiser never gets the national one."""
    url = _dashboard(returns["ballot"])
    client.force_login(national)
    assert "Needs 5 more votes" in client.get(url).content.decode()
    regional = organiser(User.Role.REGIONAL, region=returns["north"])
    client.force_login(regional)
    html = client.get(url).content.decode()
    assert "cover only the branches in your region" in html
    assert "Needs 5 more votes" not in html  # Exeter Tax, in the south, is not counted
    turnout_record(
        user=national,
        ballot=returns["ballot"],
        returns=[
            TurnoutReturn(
                ballot=returns["ballot"],
                branch=returns["b4"],
                counted_on=dt.date(2026, 3, 11),
                voted=20,
            )
        ],
        source="admin",
    )
    client.force_login(national)
    html = client.get(url).content.decode()
    assert "Needs 5 more votes" not in html
    assert "cover only the branches in your region" not in html
