"""The dashboard's tables written in Python say what the template loops they replaced said."""

import datetime as dt

from django.template import Context, Template

from ballots.dashboard_rows import series_rows, unit_rows
from ballots.selectors import UnitTurnout

# The loops as the templates had them (before ballots/dashboard_rows.py).
UNIT_LOOP = Template(
    """{% for u in units %}<tr>"""
    """<th scope="row"><a href="{% if u.unit_id in charted_ids %}#chart-{{ u.unit_id }}"""
    """{% else %}{{ all_charts_query }}#chart-{{ u.unit_id }}{% endif %}" title="Chart of"""
    """ {{ u.name }}">{{ u.name }}</a>{% if u.important_public_service %} <span class="bl-tag">"""
    """important public service</span>{% endif %}</th>"""
    """<td class="num">{{ u.votes }}{% if u.own_reports %}<br><small>members' own reports: """
    """{{ u.own_reports }}</small>{% endif %}</td><td class="num">{{ u.entitled }}</td>"""
    """<td class="num">{{ u.turnout }}%</td>"""
    """<td class="num">{{ u.threshold_votes|default_if_none:"none" }}{% if u.support_votes %}"""
    """<br><small>and {{ u.support_votes }} yes</small>{% endif %}</td>"""
    """<td><strong class="{% if u.still_needed %}bl-flag bl-flag--missed{% else %}bl-ok"""
    """{% endif %}">{{ u.margin_words }}</strong></td>"""
    """<td class="num">{% if u.needed_per_day is None %}too late{% else %}"""
    """{{ u.needed_per_day }}{% endif %}</td>"""
    """<td class="num">{{ u.projection }}{% if u.projected_to_pass is False %}"""
    """ <span class="bl-flag bl-flag--missed">short</span>{% endif %}</td>"""
    """<td class="num">{{ u.reporting }} of {{ u.branches }}</td></tr>{% endfor %}"""
)
SERIES_LOOP = Template(
    """{% for day, votes in series %}<tr><td>{{ day|date:"j M Y" }}</td><td class="num">"""
    """{{ votes|stringformat:"d" }}</td></tr>{% empty %}<tr><td colspan="2">No returns yet"""
    """</td></tr>{% endfor %}"""
)


def _unit(unit_id, **kw):
    values = {
        "code": f"U{unit_id}",
        "name": f"Unit {unit_id}",
        "important_public_service": False,
        "entitled": 1234,
        "branches": 5,
        "reporting": 3,
        "votes": 321,
        "threshold_votes": 617,
        "support_votes": None,
        "own_reports": 0,
        "remaining_days": 10,
        "elapsed_days": 20,
        "total_days": 30,
    }
    values.update(kw)
    return UnitTurnout(unit_id=unit_id, **values)


def test_unit_rows_match_the_template_loop():
    units = [
        _unit(1),
        _unit(2, name='Ports & "Docks" <Til>', important_public_service=True, support_votes=494),
        _unit(3, threshold_votes=None),
        _unit(4, votes=900, remaining_days=0),
        _unit(5, votes=10, remaining_days=0, entitled=0),
        _unit(6, votes=617, elapsed_days=0),
        _unit(7, votes=40, own_reports=12),
    ]
    query = "?charts=all&as_of=2026-10-01&x='y'"
    expected = UNIT_LOOP.render(
        Context({"units": units, "charted_ids": {1, 3}, "all_charts_query": query})
    )
    assert unit_rows(units, {1, 3}, query).replace("\n", "") == expected


def test_series_rows_match_the_template_loop():
    start = dt.date(2026, 12, 25)
    series = [(start + dt.timedelta(days=i), 40 * i) for i in range(12)]
    for rows in (series, []):
        assert series_rows(rows) == SERIES_LOOP.render(Context({"series": rows}))
