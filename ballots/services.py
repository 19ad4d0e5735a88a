"""Writes: readiness snapshots and turnout returns, from the grid, CSV files and links.

Every route validates every row with the same form (and so the same model rules),
and saves nothing unless every row is valid.
"""

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from ballots.forms import READINESS_FIELDS, ReadinessRowForm, TurnoutRowForm
from ballots.models import (
    Ballot,
    BallotUnit,
    BranchReadiness,
    StructureTestProgress,
    TurnoutReturn,
)
from core import pagecache
from members.audit import audit_record
from members.models import Branch

MAX_ROWS = 5000
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class RowError:
    line: int | str  # CSV line number, or the branch for grid rows
    message: str
    field: str = ""  # the form field the message is about, if any


class ImportRejected(Exception):
    """Raised with every row's errors; nothing was saved."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def _form_errors(form, line) -> list[RowError]:
    """The form's messages as row errors; each names its figure, so no label is added."""
    return [
        RowError(line, message, "" if name == "__all__" else name)
        for name, messages in form.errors.items()
        for message in messages
    ]


def _read_csv(text: str, required: list[str]) -> list[tuple[int, dict]]:
    # newline="": a bare carriage return is a line end, or part of a quoted value,
    # never a csv.Error the caller does not expect.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        headers = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [h for h in required if h not in headers]
        if missing:
            raise ImportRejected(
                [RowError(1, "Add the missing column(s) to the header row: " + ", ".join(missing))]
            )
        reader.fieldnames = headers
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise ImportRejected(
                    [
                        RowError(
                            reader.line_num,
                            f"The file has more than {MAX_ROWS:,} rows: "
                            "split it into smaller files",
                        )
                    ]
                )
            clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
            if any(clean.values()):
                rows.append((reader.line_num, clean))
    except csv.Error as exc:
        raise ImportRejected(
            [
                RowError(
                    reader.line_num,
                    f"The file is not valid CSV ({exc}): save it from your spreadsheet as CSV",
                )
            ]
        ) from exc
    if not rows:
        raise ImportRejected([RowError(1, "The file has no rows of figures under the header row")])
    return rows


def readiness_validate(*, rows, branches: dict) -> list[BranchReadiness]:
    """Validate (line, branch_code, data) rows; return unsaved snapshots or raise."""
    errors, snapshots = [], []
    for line, code, data in rows:
        branch = branches.get(code.upper())
        if branch is None:
            errors.append(
                RowError(
                    line,
                    f"Branch code '{code}' is not a branch you can enter figures for: "
                    "check the code",
                )
            )
            continue
        form = ReadinessRowForm(data=data, instance=BranchReadiness(branch=branch))
        if form.is_valid():
            snapshots.append(form.instance)
        else:
            errors.extend(_form_errors(form, line))
    if errors:
        raise ImportRejected(errors)
    return snapshots


def readiness_record(
    *, user, snapshots: list[BranchReadiness], source: str, actor_label: str = ""
) -> int:
    """Save validated snapshots in one transaction and log it."""
    with transaction.atomic():
        for s in snapshots:
            s.source, s.entered_by = source, (user if getattr(user, "pk", None) else None)
        BranchReadiness.objects.bulk_create(snapshots)
        audit_record(
            actor=user or actor_label or None,
            action="import" if source == BranchReadiness.Source.CSV else "change",
            subject="ballots.branchreadiness",
            rows=len(snapshots),
            detail=f"readiness snapshots via {source}",
        )
    return len(snapshots)


def structure_progress_record(*, test, done: int, out_of: int, on, actor_label: str) -> None:
    """Record a branch contact's progress towards a structure test for the day (a second
    figure the same day replaces the first; earlier days are kept), and log it."""
    with transaction.atomic():
        StructureTestProgress.objects.update_or_create(
            test=test, recorded_on=on, defaults={"done": done, "out_of": out_of}
        )
        audit_record(
            actor=actor_label,
            action="change",
            subject="ballots.structuretestprogress",
            object_id=test.pk,
            rows=1,
            detail="structure test progress via link",
        )


def _bool_cell(value: str) -> str | None:
    low = value.lower()
    if low in YES:
        return "on"
    if low in NO:
        return ""
    return None


def readiness_import_csv(*, user, text: str) -> int:
    """Import readiness snapshots from CSV; every line is checked before any is saved."""
    rows = _read_csv(text, ["branch_code", "taken_on", "members"])
    branches = {b.code.upper(): b for b in Branch.objects.visible_to(user)}
    prepared, errors = [], []
    for line, row in rows:
        data = {f: row.get(f, "") for f in ["taken_on", *READINESS_FIELDS]}
        committee = _bool_cell(data["ballot_committee"])
        if committee is None:
            errors.append(
                RowError(line, "Ballot committee formed must be yes or no", "ballot_committee")
            )
            continue
        data["ballot_committee"] = committee
        for optional in ("reps", "advocates", "meetings_held"):
            data[optional] = data[optional] or "0"
        prepared.append((line, row.get("branch_code", ""), data))
    try:
        snapshots = readiness_validate(rows=prepared, branches=branches)
    except ImportRejected as exc:
        errors.extend(exc.errors)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    return readiness_record(user=user, snapshots=snapshots, source=BranchReadiness.Source.CSV)


def ballot_branches(ballot: Ballot, user) -> dict:
    """Return {CODE: branch} for the visible branches in the ballot's units."""
    qs = Branch.objects.visible_to(user).filter(ballot_unit_link__unit__ballot_units__ballot=ballot)
    return {b.code.upper(): b for b in qs}


def _entitled_by_branch(ballot: Ballot, branches) -> dict[int, int]:
    """Return {branch id: members entitled to vote in its unit} in one query."""
    return dict(
        BallotUnit.objects.filter(
            ballot=ballot, unit__unit_branches__branch__in=[b.pk for b in branches]
        ).values_list("unit__unit_branches__branch_id", "entitled")
    )


def turnout_validate(*, ballot: Ballot, rows, branches: dict) -> list[TurnoutReturn]:
    """Validate (line, branch_code, data) rows for a ballot; return unsaved returns or raise."""
    errors, returns, seen = [], [], set()
    entitled = _entitled_by_branch(ballot, branches.values())
    for line, code, data in rows:
        branch = branches.get(code.upper())
        if branch is None or branch.pk not in entitled:
            errors.append(
                RowError(
                    line,
                    f"Branch code '{code}' is not a branch in this ballot's units: check the code",
                )
            )
            continue
        row = TurnoutReturn(ballot=ballot, branch=branch)
        row.entitled = entitled[branch.pk]  # known already: the model's rule needs no query
        form = TurnoutRowForm(data=data, instance=row)
        if not form.is_valid():
            errors.extend(_form_errors(form, line))
            continue
        key = (branch.pk, form.instance.counted_on)
        if key in seen:
            errors.append(RowError(line, "This branch has two counts for the same date: keep one"))
            continue
        seen.add(key)
        returns.append(form.instance)
    if errors:
        raise ImportRejected(errors)
    return returns


def turnout_record(
    *, user, ballot: Ballot, returns: list[TurnoutReturn], source: str, actor_label: str = ""
) -> int:
    """Save returns in one transaction; a second figure for the same day replaces the first."""
    with transaction.atomic():
        for r in returns:
            r.source, r.entered_by = source, (user if getattr(user, "pk", None) else None)
        TurnoutReturn.objects.bulk_create(
            returns,
            update_conflicts=True,
            unique_fields=["ballot", "branch", "counted_on"],
            update_fields=["voted", "source", "entered_by"],
        )
        pagecache.invalidate(model=TurnoutReturn)  # bulk_create() sends no signals
        audit_record(
            actor=user or actor_label or None,
            action="import" if source == BranchReadiness.Source.CSV else "change",
            subject="ballots.turnoutreturn",
            object_id=ballot.pk,
            rows=len(returns),
            detail=f"turnout returns via {source}",
        )
    return len(returns)


def turnout_import_csv(*, user, ballot: Ballot, text: str) -> int:
    """Import turnout returns for a ballot; nothing is saved if any line is wrong."""
    rows = _read_csv(text, ["branch_code", "counted_on", "voted"])
    prepared = [
        (line, row.get("branch_code", ""), {"counted_on": row["counted_on"], "voted": row["voted"]})
        for line, row in rows
    ]
    returns = turnout_validate(ballot=ballot, rows=prepared, branches=ballot_branches(ballot, user))
    return turnout_record(
        user=user, ballot=ballot, returns=returns, source=BranchReadiness.Source.CSV
    )
