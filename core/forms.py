"""The error summary every form on the site shows at its top (the GOV.UK pattern).

A view hands ``error_summary(...)`` to ``templates/includes/error_summary.html`` as
``errors``; each field's own message is ``templates/includes/field.html``. Each
summary line links to the field it is about, by the id the field partial gives it.

    errors = error_summary(agm_form, reporter_form, extra=["Tell us the date first."])
    errors = error_summary(date_form, rows=row_errors, row_label="Branch")

A form may say where its non-field errors lead: ``summary_field`` names the field
they link to (the first on the page, say), and ``summary_fields`` maps an error
code to another field (``{"wording_changed": "consent_faction"}``).
"""

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.forms import BaseForm, BoundField


class SummaryError(NamedTuple):
    """One line of the summary: the id it links to ("" for none) and the message."""

    anchor: str
    message: str


def field_anchor(field: BoundField) -> str:
    """The id a summary link to this field goes to.

    The input itself; for radios and checkbox groups (a fieldset) the first option,
    as GOV.UK does, so following the link puts focus on something that takes it.
    """
    if field.is_hidden:
        return ""
    if field.use_fieldset:
        options = field.subwidgets
        if options and options[0].id_for_label:
            return options[0].id_for_label
    return field.id_for_label or field.auto_id or ""


def _form_errors(form: BaseForm) -> list[SummaryError]:
    items = []
    by_code = getattr(form, "summary_fields", {})
    default = getattr(form, "summary_field", "")
    # Errors about the whole form first, then the fields in the order of the page.
    for error in form.non_field_errors().as_data():
        name = by_code.get(error.code, default)
        anchor = field_anchor(form[name]) if name in form.fields else ""
        items += [SummaryError(anchor, str(message)) for message in error]
    for name in form.fields:
        if name in form.errors:
            field = form[name]
            anchor = field_anchor(field)
            if not anchor and default in form.fields:
                anchor = field_anchor(form[default])
            items += [SummaryError(anchor, str(message)) for message in field.errors]
    return items


def _part(row, name: str):
    if isinstance(row, Mapping):
        return row.get(name, "")
    return getattr(row, name, "")


def error_summary(
    *forms: BaseForm | None,
    extra: Iterable = (),
    rows: Iterable = (),
    row_label: str = "Line",
) -> list[SummaryError]:
    """Every problem on a page, in the order of the page, for the summary at its top.

    ``forms``: each bound form's errors (an unbound form or None adds nothing).
    ``rows``: errors about one line of a file or one row of a grid; each has
    ``line``, ``message`` and, if it links somewhere, ``anchor`` (attributes or
    keys). Shown as "<row_label> <line>: <message>".
    ``extra``: messages not about a field (strings), or (anchor, message) pairs.
    """
    items = []
    for form in forms:
        if form is not None:
            items += _form_errors(form)
    for row in rows:
        line, message = _part(row, "line"), str(_part(row, "message"))
        items.append(
            SummaryError(
                str(_part(row, "anchor") or ""),
                f"{row_label} {line}: {message}" if line else message,
            )
        )
    for item in extra:
        if isinstance(item, tuple):
            anchor, message = item
            items.append(SummaryError(str(anchor or ""), str(message)))
        else:
            items.append(SummaryError("", str(item)))
    return items
