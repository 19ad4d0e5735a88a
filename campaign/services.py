"""Writes that do more than save one form: reports of nominations, verification,
AGM dates from branch contacts and CSV files, and sending signed links."""

import csv
import datetime
import io
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from campaign import rules
from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Nomination,
    NominationReport,
    Position,
)
from core import pagecache
from members.audit import audit_record
from members.models import Branch, BranchContactLink


class CampaignError(Exception):
    """A rule was broken; `messages` says what, in words for the person who typed it."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Entry:
    """One line of a report: a position and who was nominated for it."""

    position: Position
    candidate: Candidate | None = None
    other_name: str = ""

    @property
    def key(self):
        if self.candidate is not None:
            return (self.position.pk, "c", self.candidate.pk)
        return (self.position.pk, "n", " ".join(self.other_name.split()).casefold())

    def as_json(self) -> dict:
        data = {"position": self.position.pk, "position_title": self.position.title}
        if self.candidate is not None:
            data |= {"candidate": self.candidate.pk, "name": self.candidate.name}
        else:
            data |= {"candidate": None, "name": self.other_name}
        return data


def _nomination_key(nomination: Nomination):
    if nomination.candidate_id is not None:
        return (nomination.position_id, "c", nomination.candidate_id)
    return (nomination.position_id, "n", " ".join(nomination.other_name.split()).casefold())


def _check_entries(*, meeting: BranchMeeting, election: Election, entries: list[Entry]) -> None:
    errors = []
    branch = meeting.branch
    outside = rules.outside_election_message(branch, election)
    if outside:
        errors.append(outside)
    seen = set()
    per_position: dict[int, int] = {}
    for entry in entries:
        if entry.position.election_id != election.pk:
            errors.append(f"{entry.position.title} is not a position in {election}.")
            continue
        if entry.candidate is not None and entry.candidate.position_id != entry.position.pk:
            errors.append(f"{entry.candidate} is not a candidate for {entry.position.title}.")
        if entry.candidate is None and not entry.other_name.strip():
            errors.append(f"{entry.position.title}: give the name of the candidate nominated.")
            continue
        if entry.key in seen:
            name = entry.candidate or entry.other_name.strip()
            errors.append(f"{entry.position.title}: {name} is listed twice.")
        seen.add(entry.key)
        per_position[entry.position.pk] = per_position.get(entry.position.pk, 0) + 1
    # The branch's other meetings in this election (an AGM and an EGM) count too:
    # a branch nominates a candidate once, and no more than the seats, in all.
    earlier: dict[int, list[Nomination]] = {}
    for nomination in (
        Nomination.objects.active()
        .filter(meeting__branch_id=branch.pk, position__election=election)
        .exclude(meeting_id=meeting.pk)
        .select_related("meeting", "candidate")
        .order_by("meeting__date", "pk")
    ):
        earlier.setdefault(nomination.position_id, []).append(nomination)
    for entry in entries:
        for nomination in earlier.get(entry.position.pk, []):
            if _nomination_key(nomination) == entry.key:
                message = rules.already_nominated_message(branch, nomination, entry.position)
                if message not in errors:
                    errors.append(message)
    for entry in entries:
        before = earlier.get(entry.position.pk, [])
        if per_position.get(entry.position.pk, 0) + len(before) > entry.position.seats:
            message = rules.seats_message(entry.position, earlier=before)
            if message not in errors:
                errors.append(message)
    if errors:
        raise CampaignError(errors)


@transaction.atomic
def nomination_report(
    *,
    meeting: BranchMeeting,
    election: Election,
    entries: list[Entry],
    reported_by: str,
    source: str,
    link: BranchContactLink | None = None,
    user=None,
    verify: bool = False,
) -> NominationReport:
    """Record what a meeting nominated in one election, as a new report version.

    Nominations the earlier report listed and this one does not are marked
    superseded (kept, never deleted); ones it repeats keep their verification;
    new ones are unverified unless an organiser entering them says they checked.
    """
    meeting = BranchMeeting.objects.select_for_update().select_related("branch").get(pk=meeting.pk)
    # The rules hold per branch: wait for any report of another of its meetings
    # (the trigger takes the same lock), so the checks below see it.
    Branch.objects.select_for_update(no_key=True).filter(pk=meeting.branch_id).exists()
    _check_entries(meeting=meeting, election=election, entries=entries)
    last = (
        NominationReport.objects.filter(meeting=meeting, election=election).aggregate(
            v=Max("version")
        )["v"]
        or 0
    )
    now = timezone.now()
    current = {
        _nomination_key(n): n
        for n in Nomination.objects.active()
        .filter(meeting=meeting, position__election=election)
        .select_related("candidate")
    }
    wanted = {entry.key: entry for entry in entries}
    removed = [n for key, n in current.items() if key not in wanted]
    added = [entry for key, entry in wanted.items() if key not in current]
    changes = []
    if last:
        changes += [f"removed {n.nominee} ({n.position.title})" for n in removed]
        changes += [
            f"added {e.candidate or e.other_name.strip()} ({e.position.title})" for e in added
        ]
        if not changes:
            changes.append("no change")
    report = NominationReport.objects.create(
        meeting=meeting,
        election=election,
        version=last + 1,
        source=source,
        reported_by=reported_by,
        link=link,
        user=user,
        created_at=now,
        entries=[entry.as_json() for entry in entries],
        changes="; ".join(changes),
    )
    if removed:
        Nomination.objects.filter(pk__in=[n.pk for n in removed]).update(superseded_by=report)
    verified = {"verified_by": user, "verified_at": now} if verify and user is not None else {}
    try:
        Nomination.objects.bulk_create(
            [
                Nomination(
                    meeting=meeting,
                    position=entry.position,
                    candidate=entry.candidate,
                    other_name="" if entry.candidate else " ".join(entry.other_name.split()),
                    report=report,
                    reported_by=reported_by,
                    reported_at=now,
                    **verified,
                )
                for entry in added
            ]
        )
    except IntegrityError as exc:  # a rule the checks above missed: say which
        raise CampaignError(_integrity_message(exc)) from exc
    if verified:
        kept = [n.pk for key, n in current.items() if key in wanted and not n.verified_by_id]
        Nomination.objects.filter(pk__in=kept).update(**verified)
    # update() and bulk_create() send no signals: the public slate's counts change.
    pagecache.invalidate(model=Nomination)
    if user is not None:
        audit_record(
            actor=user,
            action="change",
            subject="campaign.nominationreport",
            object_id=report.pk,
            rows=len(entries),
            detail=f"meeting {meeting.pk}, {election.slug} v{report.version}",
        )
    return report


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc)
    if "nomination_within_seats" in text:
        return "A branch may nominate no more candidates than there are seats."
    if "nomination_once_per_branch" in text:
        return "This branch has already nominated that candidate for that position."
    if "nomination_candidate_once" in text or "nomination_other_name_once" in text:
        return "This meeting has already nominated that candidate for that position."
    if "nomination_candidate_for_position" in text:
        return "That candidate does not stand for that position."
    return "These nominations could not be saved: they break a rule of the election."


@transaction.atomic
def nominations_verify(*, nominations, user) -> int:
    """Mark unverified, live nominations as checked by this organiser; return how many."""
    ids = list(
        nominations.active()
        .filter(verified_by__isnull=True)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    count = Nomination.objects.filter(pk__in=ids).update(
        verified_by=user, verified_at=timezone.now()
    )
    if count:
        pagecache.invalidate(model=Nomination)  # update() sends no signals; the counts change
        audit_record(
            actor=user,
            action="change",
            subject="campaign.nomination",
            rows=count,
            detail="verified",
        )
    return count


@transaction.atomic
def meeting_set(
    *,
    branch,
    date: datetime.date,
    place: str = "",
    kind: str = BranchMeeting.Kind.AGM,
    meeting: BranchMeeting | None = None,
) -> BranchMeeting:
    """Create or move a branch's AGM (one a year) or EGM; validate before saving."""
    if meeting is None and kind == BranchMeeting.Kind.AGM:
        meeting = (
            BranchMeeting.objects.select_for_update()
            .filter(branch=branch, kind=kind, date__year=date.year)
            .first()
        )
    if meeting is None:
        meeting = BranchMeeting(branch=branch, kind=kind)
    meeting.date = date
    if place or not meeting.place:
        meeting.place = place
    meeting.full_clean()
    meeting.save()
    return meeting


# CSV import of AGM dates ---------------------------------------------------------

IMPORT_COLUMNS = ["branch_code", "date", "place"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _parse_date(value: str) -> datetime.date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def agm_dates_import(*, data: bytes | str, user, branches) -> int:
    """Import AGM dates from CSV (branch_code,date,place); all lines or none.

    `branches` is the queryset of branches the organiser may edit. Raises
    CampaignError with one message per bad line; saves nothing in that case.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CampaignError(
                "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."
            ) from exc
    # newline="": the csv module splits lines itself, so a file saved with old
    # Mac line ends (a bare carriage return) reads as lines too.
    reader = csv.DictReader(io.StringIO(data, newline=""))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise CampaignError(f"The file could not be read as CSV ({exc}).") from exc
    missing = [c for c in IMPORT_COLUMNS[:2] if c not in header]
    if missing:
        raise CampaignError(
            f"The first line must name the columns branch_code, date and (optionally) place; "
            f"missing: {', '.join(missing)}."
        )
    reader.fieldnames = header
    try:
        records = list(reader)
    except csv.Error as exc:
        raise CampaignError(
            f"Line {reader.line_num}: the file could not be read as CSV ({exc})."
        ) from exc
    rows = []
    errors = []
    seen = {}
    for line_no, row in enumerate(records, start=2):
        code = (row.get("branch_code") or "").strip()
        raw_date = (row.get("date") or "").strip()
        place = (row.get("place") or "").strip()
        if not code and not raw_date and not place:
            continue
        if not code:
            errors.append(f"Line {line_no}: the branch code is missing.")
            continue
        date = _parse_date(raw_date)
        if date is None:
            errors.append(
                f"Line {line_no}: “{raw_date}” is not a date; use 2027-02-14 or 14/02/2027."
            )
            continue
        if len(place) > 200:
            errors.append(f"Line {line_no}: the place is longer than 200 characters.")
            continue
        key = (code.upper(), date.year)
        if key in seen:
            errors.append(
                f"Line {line_no}: {code} already has an AGM in {date.year} on line {seen[key]}."
            )
            continue
        seen[key] = line_no
        rows.append((line_no, code, date, place))
    if not rows and not errors:
        errors.append("The file has no AGM dates in it.")
    found = {
        b.code.upper(): b
        for b in branches.filter(code__in=[r[1] for r in rows] + [r[1].upper() for r in rows])
    }
    for line_no, code, _, _ in rows:
        if code.upper() not in found:
            errors.append(f"Line {line_no}: there is no branch {code} that you organise.")
    if errors:
        raise CampaignError(sorted(errors, key=_line_number))
    with transaction.atomic():
        for _, code, date, place in rows:
            meeting_set(branch=found[code.upper()], date=date, place=place)
        audit_record(actor=user, action="import", subject="campaign AGM dates", rows=len(rows))
    return len(rows)


def _line_number(message: str) -> int:
    try:
        return int(message.split(":", 1)[0].removeprefix("Line "))
    except ValueError:
        return 0
