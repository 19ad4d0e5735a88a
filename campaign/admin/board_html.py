"""The board's long tables, written as HTML here rather than by the template engine.

At 200 candidates and 50 deadline rows the template loops were about a third of
the board's time (each row several variable lookups, filters and a URL); these
build the same markup with format_html, which escapes every value.
"""

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


def _plural(n: int, word: str, plural: str) -> str:
    return f"{n} {word if n == 1 else plural}"


def candidate_rows(board, query: str):
    """<tr>s of the candidates table; `query` is the page's query string, kept in links."""
    prefix = f"?{query}&" if query else "?"
    rows = []
    for bp in board.positions:
        position_link = f"{prefix}position={bp.position.pk}"
        for index, row in enumerate(bp.rows):
            if not row.total:
                branches = "none yet"
            elif board.detail:
                parts = []
                if row.verified_branches:
                    parts.append(
                        format_html(
                            "<p><strong>Verified:</strong> {}</p>", ", ".join(row.verified_branches)
                        )
                    )
                if row.unverified_branches:
                    parts.append(
                        format_html(
                            "<p><strong>To check:</strong> {}</p>",
                            ", ".join(row.unverified_branches),
                        )
                    )
                branches = format_html(
                    "<details><summary>{}</summary>{}</details>",
                    _plural(row.total, "branch", "branches"),
                    mark_safe("".join(parts)),  # noqa: S308 (each part built by format_html)
                )
            else:
                branches = format_html(
                    '<a href="{}">{}<span class="visually-hidden"> for {}</span></a>',
                    position_link,
                    _plural(row.total, "branch", "branches"),
                    row.candidate.name,
                )
            rows.append(
                format_html(
                    '<tr><td>{}</td><th scope="row">{}</th><td class="num {}">{}</td>'
                    '<td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>',
                    bp.position.title if index == 0 else "",
                    row.candidate.name,
                    "reached" if row.reached else "short",
                    row.verified,
                    row.unverified,
                    row.short_by,
                    branches,
                )
            )
    return mark_safe("\n".join(rows))  # noqa: S308 (each row built by format_html)


def select(bound_field):
    """A <select> for one filter field, without the form renderer's template per option
    (its four lists of choices were a sixth of the board's time)."""
    chosen = str(bound_field.value() or "")
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)
            for value, label in bound_field.field.choices
        ),
    )
    described = f' aria-describedby="{bound_field.auto_id}-error"' if bound_field.errors else ""
    return format_html(
        '<select name="{}" id="{}"{}>{}</select>',
        bound_field.html_name,
        bound_field.auto_id,
        mark_safe(described),  # noqa: S308 (built from the field's own id)
        options,
    )


def deadline_rows(deadlines):
    """<tr>s of the notice deadlines table."""
    # One reverse() for every row: the meeting's id is the only part that changes.
    meeting_url = reverse("admin:campaign_branchmeeting_change", args=[0]).replace("/0/", "/{}/")
    return format_html_join(
        "\n",
        '<tr><td><time datetime="{}">{}</time></td><td>{}</td><td><a href="{}">{} on {}</a></td>'
        "<td>{}</td><td>{}</td></tr>",
        (
            (
                d.due.isoformat(),
                f"{d.due:%a %-d %b}",
                d.label,
                meeting_url.format(d.meeting_id),
                d.kind,
                f"{d.meeting_date:%a %-d %b}",
                d.branch,
                "yes" if d.moved else mark_safe("<strong>nobody yet</strong>"),
            )
            for d in deadlines
        ),
    )
