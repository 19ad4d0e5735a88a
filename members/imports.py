"""Import the union's structure (branches and their workplaces) from CSV.

Columns: code, name, group, region, and optionally workplace and town. One row
per branch, or one per workplace (repeat the branch's columns). Group and
region are given by code or name. A branch whose code exists is updated.
Every row is checked first; a file with any error saves nothing.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from members.models import Branch, Group, Region, Workplace

REQUIRED = ("code", "name", "group", "region")
OPTIONAL = ("workplace", "town")
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class ImportReport:
    branches_created: int = 0
    branches_updated: int = 0
    workplaces_created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    @property
    def rows(self) -> int:
        return self.branches_created + self.branches_updated + self.workplaces_created


class ImportFailed(Exception):
    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise ImportFailed([(0, "The file is larger than 5 MB.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([(0, "The file is not UTF-8 text: save it as 'CSV UTF-8'.")]) from exc


def _numbered(reader: csv.DictReader):
    """Yield (line, row) for each row, with the line of the file on which it starts.

    Counting rows would go wrong after a blank line (which DictReader skips
    unseen) or a quoted field that spans lines, so read the underlying
    reader's own line count: a row starts on the line after the last one read
    before it. Rows are built as DictReader builds them (extra values under
    None, missing ones None).
    """
    raw, fields = reader.reader, reader.fieldnames
    while True:
        start = raw.line_num + 1
        values = next(raw, None)
        if values is None:
            return
        if not values:
            continue  # a blank line
        row = dict(zip(fields, values, strict=False))
        if len(values) > len(fields):
            row[None] = values[len(fields) :]
        for key in fields[len(values) :]:
            row[key] = None
        yield start, row


def structure_import(*, data: bytes | str) -> ImportReport:
    """Check every row, then create or update branches and workplaces in one transaction.

    Raise ImportFailed with (line, message) pairs if any row is wrong.
    """
    reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed(
            [(1, "The first line must name the columns; missing: " + ", ".join(missing))]
        )
    reader.fieldnames = header

    def lookup(model):
        table = {}
        for obj in model.objects.all():
            table[obj.code.lower()] = obj
            table[obj.name.lower()] = obj
        return table

    groups, regions = lookup(Group), lookup(Region)
    errors: list[tuple[int, str]] = []
    branches: dict[str, dict] = {}
    workplaces: list[tuple[str, str, str]] = []
    try:
        rows = list(_numbered(reader))
    except csv.Error as exc:
        raise ImportFailed([(reader.line_num, f"The file is not valid CSV: {exc}")]) from exc
    for n, row in rows:
        if None in row:
            errors.append((n, "This line has more columns than the header."))
            continue
        values = {k: (row.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
        if not any(values.values()):
            continue  # blank line
        problems = [
            f"{column} contains a null character, which cannot be stored"
            for column, value in values.items()
            if "\x00" in value
        ]
        for column, limit in (("code", 20), ("name", 200), ("workplace", 200), ("town", 100)):
            if len(values[column]) > limit:
                problems.append(f"{column} is longer than {limit} characters")
        for column in REQUIRED:
            if not values[column]:
                problems.append(f"{column} is empty")
        group = groups.get(values["group"].lower())
        region = regions.get(values["region"].lower())
        if values["group"] and group is None:
            problems.append(f"no group with code or name '{values['group']}'")
        if values["region"] and region is None:
            problems.append(f"no region with code or name '{values['region']}'")
        if values["town"] and not values["workplace"]:
            problems.append("town is given but workplace is empty")
        if not problems:
            wanted = {"name": values["name"], "group": group, "region": region}
            seen = branches.setdefault(values["code"], {**wanted, "line": n})
            if {k: seen[k] for k in wanted} != wanted:
                problems.append(
                    f"branch {values['code']} has a different name, group or region "
                    f"on line {seen['line']}"
                )
        if problems:
            errors.append((n, "; ".join(problems).capitalize() + "."))
        elif values["workplace"]:
            workplaces.append((values["code"], values["workplace"], values["town"]))
    if errors:
        raise ImportFailed(errors)
    if not branches:
        raise ImportFailed([(2, "The file has no rows.")])

    report = ImportReport()
    with transaction.atomic():
        existing = {b.code: b for b in Branch.objects.select_for_update().filter(code__in=branches)}
        for code, wanted in branches.items():
            branch = existing.get(code)
            if branch is None:
                existing[code] = Branch.objects.create(
                    code=code, name=wanted["name"], group=wanted["group"], region=wanted["region"]
                )
                report.branches_created += 1
            elif (branch.name, branch.group_id, branch.region_id) != (
                wanted["name"],
                wanted["group"].pk,
                wanted["region"].pk,
            ):
                branch.name, branch.group, branch.region = (
                    wanted["name"],
                    wanted["group"],
                    wanted["region"],
                )
                branch.save()
                report.branches_updated += 1
        for code, name, town in workplaces:
            _, created = Workplace.objects.get_or_create(
                branch=existing[code], name=name, defaults={"town": town}
            )
            report.workplaces_created += created
    return report
