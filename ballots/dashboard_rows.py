"""The dashboard's turnout table rows and its charts' day-by-day tables, written in Python.

200 units x 9 cells and 12 charts x 60 days through the template engine (each
number localised and each date formatted on its own) were most of the
dashboard's time at 1,000 branches. The numbers are
integers, and the turnout a float of one decimal: with no thousands separator
(the site's setting) Django's localisation writes them as str() does.
"""

from html import escape

from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe


def _number(value) -> str:
    return escape(str(value))


def unit_rows(units, charted_ids, all_charts_query: str) -> SafeString:
    """The <tr>s of the turnout table (templates/ballots/admin/ballot_dashboard.html)."""
    if not units:
        return mark_safe('<tr><td colspan="9">No units in this ballot that you can see.</td></tr>')
    query = escape(all_charts_query)
    rows = []
    for u in units:
        name = escape(u.name)
        anchor = f"#chart-{u.unit_id}" if u.unit_id in charted_ids else f"{query}#chart-{u.unit_id}"
        tag = (
            ' <span class="bl-tag">important public service</span>'
            if u.important_public_service
            else ""
        )
        threshold = "none" if u.threshold_votes is None else _number(u.threshold_votes)
        support = (
            f"<br><small>and {_number(u.support_votes)} yes</small>" if u.support_votes else ""
        )
        flag = "bl-flag bl-flag--missed" if u.still_needed else "bl-ok"
        per_day = "too late" if u.needed_per_day is None else _number(u.needed_per_day)
        short = (
            ' <span class="bl-flag bl-flag--missed">short</span>'
            if u.projected_to_pass is False
            else ""
        )
        own_reports = (
            f"<br><small>members' own reports: {_number(u.own_reports)}</small>"
            if u.own_reports
            else ""
        )
        rows.append(
            "<tr>"
            f'<th scope="row"><a href="{anchor}" title="Chart of {name}">{name}</a>{tag}</th>'
            f'<td class="num">{_number(u.votes)}{own_reports}</td>'
            f'<td class="num">{_number(u.entitled)}</td>'
            f'<td class="num">{_number(u.turnout)}%</td>'
            f'<td class="num">{threshold}{support}</td>'
            f'<td><strong class="{flag}">{escape(u.margin_words)}</strong></td>'
            f'<td class="num">{per_day}</td>'
            f'<td class="num">{_number(u.projection)}{short}</td>'
            f'<td class="num">{_number(u.reporting)} of {_number(u.branches)}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above


def series_rows(series) -> SafeString:
    """The <tr>s of a chart's table: each day ("j M Y", as the date filter writes it) and
    the votes so far (templates/ballots/includes/turnout_chart.html)."""
    if not series:
        return mark_safe('<tr><td colspan="2">No returns yet</td></tr>')
    months = {m: escape(str(MONTHS_3[m]).title()) for m in range(1, 13)}
    return mark_safe(  # noqa: S308 - dates and integers, and month names escaped
        "".join(
            f"<tr><td>{day.day} {months[day.month]} {day.year}</td>"
            f'<td class="num">{int(votes):d}</td></tr>'
            for day, votes in series
        )
    )
