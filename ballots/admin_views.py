"""Organisers' pages inside the admin: ballot dashboard, readiness, grids and CSV imports.

Thin views: they parse input, call a selector or service, and render. Each needs
its model permission (scoped_permission_required: 403 without it) and fetches every
object through the organiser's scope, so anything outside it is a 404.
"""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ballots.charts import readiness_chart, turnout_chart
from ballots.dashboard_rows import series_rows, unit_rows
from ballots.forms import (
    READINESS_FIELDS,
    CsvUploadForm,
    GridDateForm,
    ReadinessRowForm,
    TurnoutCsvForm,
)
from ballots.models import (
    Ballot,
    BargainingUnit,
    BranchReadiness,
    ReadinessThreshold,
    StructureTest,
    TurnoutReturn,
)
from ballots.rules import RuleBook
from ballots.selectors import latest_readiness, readiness_by_unit, turnout_by_unit, turnout_series
from ballots.services import (
    ImportRejected,
    RowError,
    ballot_branches,
    readiness_import_csv,
    readiness_record,
    readiness_validate,
    turnout_import_csv,
    turnout_record,
    turnout_validate,
)
from ballots.timetable import ballot_timetable
from core.forms import error_summary
from core.pagecache import fragment
from members.models import Branch
from members.scoping import scope_for, scoped_permission_required

# What the dashboard shows (core.pagecache.topics): a change to any retires its body.
DASHBOARD_TOPICS = ("ballots", "turnout", "structure")
CHARTS_SHOWN = 12  # units closest to the line charted by default; ?charts=all for every unit
GRID_PAGE = 50


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def _as_of(request, ballot) -> dt.date:
    """Return the date the dashboard describes: ?as_of=YYYY-MM-DD, or today."""
    try:
        return dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()


def _visible_ballot(request, pk) -> Ballot:
    try:
        return Ballot.objects.visible_to(request.user).get(pk=pk)
    except Ballot.DoesNotExist:
        raise Http404 from None


@scoped_permission_required("ballots.view_ballot")
def ballot_dashboard(request, pk):
    """Per-unit turnout against the threshold, the legal timetable, and charts.

    The page's body is built once per ballot, scope, day and view, and again
    after any change to what it shows (a fragment retired by DASHBOARD_TOPICS):
    at 200 units and 1,000 branches a repeat view runs no turnout query.
    """
    ballot = _visible_ballot(request, pk)
    as_of = _as_of(request, ballot)
    all_charts = request.GET.get("charts") == "all"
    today = timezone.localdate()
    scope = scope_for(request.user)
    can_change = request.user.has_perm("ballots.change_ballot") and ballot.wholly_visible_to(
        request.user
    )
    # The view's own parameters, checked: the links on the page keep them.
    kept = {"as_of": as_of.isoformat()} if "as_of" in request.GET else {}

    def query(**changes) -> str:
        return "?" + urlencode({**kept, **changes})

    def build():
        book = RuleBook()
        timetable = ballot_timetable(ballot, book=book)
        units = turnout_by_unit(ballot, request.user, as_of=as_of, book=book)
        charted = units if all_charts else units[:CHARTS_SHOWN]
        series = turnout_series(
            ballot, request.user, unit_ids=[u.unit_id for u in charted], as_of=as_of
        )
        charts = [
            (
                u,
                turnout_chart(u, series[u.unit_id], ballot.opens_on, ballot.closes_on),
                series_rows(series[u.unit_id]),
            )
            for u in charted
        ]
        context = {
            "SITE_URL": settings.SITE_URL,
            "ballot": ballot,
            "as_of": as_of,
            "timetable": timetable,
            "deadlines": [(d, d.flag(today), d.state(today)) for d in timetable.deadlines],
            "units": units,
            "charts": charts,
            "all_charts": all_charts,
            "unit_rows": unit_rows(units, {u.unit_id for u in charted}, query(charts="all")),
            "all_charts_query": query(charts="all"),
            "few_charts_query": query(),
            "charts_shown": CHARTS_SHOWN,
            "below": sum(1 for u in units if u.still_needed),
            "partial_scope": scope.region_id is not None,
            "can_change": can_change,
        }
        return render_to_string("ballots/admin/_dashboard_body.html", context)

    name = f"ballot-dashboard:{ballot.pk}:{scope.key}:{today}:{query()}:{all_charts}:{can_change}"
    return render(
        request,
        "ballots/admin/ballot_dashboard.html",
        _context(
            request,
            f"{ballot.name}: turnout and timetable",
            body=fragment(name, DASHBOARD_TOPICS, build),
        ),
    )


@scoped_permission_required("ballots.view_branchreadiness")
def readiness_overview(request):
    """Readiness per unit and per branch, with the reasons and a chart."""
    thresholds = ReadinessThreshold.current()
    branches = latest_readiness(request.user, thresholds=thresholds)
    units = readiness_by_unit(request.user, thresholds=thresholds)
    tests = list(
        StructureTest.objects.visible_to(request.user)
        .select_related("branch", "unit")
        .prefetch_related("progress")
        .order_by("deadline", "title")
    )
    return render(
        request,
        "ballots/admin/readiness_overview.html",
        _context(
            request,
            "Ballot readiness",
            thresholds=thresholds,
            units=units,
            branches=branches,
            chart=readiness_chart(branches, target=thresholds.min_contact),
            structure_tests=[(t, t.progress.all()) for t in tests],
        ),
    )


def _linked(errors, branches, *, first_field) -> list[dict]:
    """Give each grid error the id of the input it is about, for the error summary.

    Grid rows are keyed by branch code; each input's id is b<branch pk>-<field>. The
    grid's shared date is the date form's field (id_on).
    """
    pks = {b.code: b.pk for b in branches}
    out = []
    for e in errors:
        if e.field in ("taken_on", "counted_on"):
            anchor = "id_on"
        elif e.line in pks:
            anchor = f"b{pks[e.line]}-{e.field or first_field}"
        else:
            anchor = ""
        out.append({"line": e.line, "message": e.message, "anchor": anchor})
    return out


def _grid_branches(request, qs):
    """Filter the branches shown in a grid by ?unit=, ?group=, ?region=, ?q=."""
    for param, lookup in (
        ("unit", "ballot_unit_link__unit_id"),
        ("group", "group_id"),
        ("region", "region_id"),
    ):
        value = request.GET.get(param, "")
        if value.isascii() and value.isdigit():  # not "²", which isdigit() accepts
            qs = qs.filter(**{lookup: int(value)})
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(name__icontains=q) | qs.filter(code__iexact=q)
    return qs.order_by("name", "code")


@scoped_permission_required("ballots.add_branchreadiness")
def readiness_grid(request):
    """Enter many branches' readiness figures at once; blank rows are skipped."""
    branches_qs = _grid_branches(request, Branch.objects.visible_to(request.user))
    page = Paginator(branches_qs, GRID_PAGE).get_page(request.GET.get("page"))
    branches = list(page.object_list)
    date_form = GridDateForm(request.POST or None, initial={"on": timezone.localdate()})
    fields = [ReadinessRowForm.base_fields[f] for f in READINESS_FIELDS]
    posted, errors = {}, []
    if request.method == "POST":
        rows = []
        for b in branches:
            values = {f: request.POST.get(f"b{b.pk}-{f}", "").strip() for f in READINESS_FIELDS}
            posted[b.pk] = values
            if any(v for f, v in values.items() if f != "ballot_committee"):
                rows.append((b.code, b.code, values))
        if date_form.is_valid() and not rows:
            errors.append(RowError("", "Enter figures for at least one branch"))
        if date_form.is_valid() and rows:
            for _, _, values in rows:
                values["taken_on"] = date_form.cleaned_data["on"]
                for optional in ("reps", "advocates", "meetings_held"):
                    values[optional] = values[optional] or "0"
            try:
                snapshots = readiness_validate(
                    rows=rows, branches={b.code.upper(): b for b in branches}
                )
            except ImportRejected as exc:
                errors = exc.errors
            else:
                count = readiness_record(
                    user=request.user, snapshots=snapshots, source=BranchReadiness.Source.GRID
                )
                messages.success(request, f"Saved figures for {count} branches.")
                return redirect(request.get_full_path())
    by_branch = {}
    for e in errors:
        by_branch.setdefault(e.line, []).append(e.message)
    summary = error_summary(
        date_form,
        rows=_linked(errors, branches, first_field=READINESS_FIELDS[0]),
        row_label="Branch",
    )
    grid = [
        {
            "branch": b,
            "cells": [
                (f, ReadinessRowForm.base_fields[f], posted.get(b.pk, {}).get(f, ""))
                for f in READINESS_FIELDS
            ],
            "errors": by_branch.get(b.code, []),
        }
        for b in branches
    ]
    return render(
        request,
        "ballots/admin/readiness_grid.html",
        _context(
            request,
            "Enter readiness figures",
            date_form=date_form,
            fields=fields,
            grid=grid,
            page=page,
            errors=summary,
            units=BargainingUnit.objects.visible_to(request.user),
        ),
    )


@scoped_permission_required("ballots.add_turnoutreturn")
def turnout_grid(request, pk):
    """Enter today's turnout counts for every branch in a ballot's units at once."""
    ballot = _visible_ballot(request, pk)
    branches_map = ballot_branches(ballot, request.user)
    branches = sorted(branches_map.values(), key=lambda b: (b.name, b.code))
    latest = {
        r.branch_id: r
        for r in TurnoutReturn.objects.filter(ballot=ballot, branch__in=branches)
        .order_by("branch_id", "-counted_on")
        .distinct("branch_id")
    }
    default_day = min(max(timezone.localdate(), ballot.opens_on), ballot.closes_on)
    date_form = GridDateForm(request.POST or None, initial={"on": default_day})
    posted, errors = {}, []
    if request.method == "POST":
        rows = []
        for b in branches:
            value = request.POST.get(f"b{b.pk}-voted", "").strip()
            posted[b.pk] = value
            if value:
                rows.append((b.code, b.code, {"voted": value}))
        if date_form.is_valid():
            if not rows:
                errors.append(RowError("", "Enter a count for at least one branch"))
            for _, _, data in rows:
                data["counted_on"] = date_form.cleaned_data["on"]
            if rows:
                try:
                    returns = turnout_validate(ballot=ballot, rows=rows, branches=branches_map)
                except ImportRejected as exc:
                    errors = exc.errors
                else:
                    count = turnout_record(
                        user=request.user,
                        ballot=ballot,
                        returns=returns,
                        source=BranchReadiness.Source.GRID,
                    )
                    messages.success(request, f"Saved turnout for {count} branches.")
                    return redirect(reverse("admin:ballots_ballot_dashboard", args=[ballot.pk]))
    by_branch = {}
    for e in errors:
        by_branch.setdefault(e.line, []).append(e.message)
    summary = error_summary(
        date_form, rows=_linked(errors, branches, first_field="voted"), row_label="Branch"
    )
    grid = [
        {
            "branch": b,
            "latest": latest.get(b.pk),
            "value": posted.get(b.pk, ""),
            "errors": by_branch.get(b.code, []),
        }
        for b in branches
    ]
    return render(
        request,
        "ballots/admin/turnout_grid.html",
        _context(
            request,
            f"Enter turnout: {ballot.name}",
            ballot=ballot,
            date_form=date_form,
            grid=grid,
            errors=summary,
        ),
    )


def _posted(request) -> tuple:
    """The form data and files, or (None, None) for a GET. Not `request.POST or None`:
    a POST with nothing in it must still be checked and answered with messages."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _import(request, *, form, run, template, title, columns, done_url):
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            count = run(form.cleaned_data)
        except ImportRejected as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Imported {count} rows.")
            return redirect(done_url)
    return render(
        request,
        template,
        _context(
            request, title, form=form, errors=error_summary(form, rows=errors), columns=columns
        ),
    )


@scoped_permission_required("ballots.add_branchreadiness")
def readiness_import(request):
    """Import readiness snapshots from CSV: every line checked, nothing saved from a bad file."""
    form = CsvUploadForm(*_posted(request))
    return _import(
        request,
        form=form,
        run=lambda data: readiness_import_csv(user=request.user, text=data["file"]),
        template="ballots/admin/csv_import.html",
        title="Import readiness figures (CSV)",
        columns=["branch_code", "taken_on", *READINESS_FIELDS],
        done_url=reverse("admin:ballots_readiness_overview"),
    )


@scoped_permission_required("ballots.add_turnoutreturn")
def turnout_import(request):
    """Import turnout returns for one ballot from CSV."""
    form = TurnoutCsvForm(*_posted(request), user=request.user)
    return _import(
        request,
        form=form,
        run=lambda data: turnout_import_csv(
            user=request.user, ballot=data["ballot"], text=data["file"]
        ),
        template="ballots/admin/csv_import.html",
        title="Import turnout returns (CSV)",
        columns=["branch_code", "counted_on", "voted"],
        done_url=reverse("admin:ballots_turnoutreturn_changelist"),
    )
