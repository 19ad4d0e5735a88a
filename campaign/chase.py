"""The chase list: branches that still owe an election their AGM result, with their
contact, the last contact with them and the next step; and marking them chased.

Seven queries whatever the number of branches (the board's four branch reads,
the contacts, the last contacts, the reports).
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from campaign.board import BranchLine, _branch_lines, branches_for
from campaign.models import BranchMeeting, ContactEvent, Election, Nomination, NominationReport
from members.audit import audit_record
from members.models import BranchContactLink


@dataclass(frozen=True)
class ChaseRow:
    branch_id: int
    line: BranchLine
    contact_name: str
    contact_email: str
    link_id: int | None
    link_sent: datetime.datetime | None
    link_opened: datetime.datetime | None
    last_kind: str
    last_at: datetime.datetime | None

    @property
    def next_step(self) -> str:
        if not self.contact_email:
            return "Send a contact link"
        if self.line.held:
            return "Ask for the AGM's result"
        if self.link_opened is None:
            return "Link not opened: phone or chase"
        if self.line.next_meeting is None:
            return "Ask for the AGM date"
        return f"AGM on {self.line.next_meeting:%-d %b}: ask who will move our nominations"

    @property
    def last_contact(self) -> str:
        if self.last_at is None:
            return "none"
        return f"{ContactEvent.Kind(self.last_kind).label}, {self.last_at:%-d %b %Y}"


def reported_meetings(election: Election):
    """Meetings whose result for this election is recorded: a report, or nominations
    entered (an organiser may record them without a report)."""
    return BranchMeeting.objects.filter(
        Exists(NominationReport.objects.filter(meeting=OuterRef("pk"), election=election))
        | Exists(Nomination.objects.filter(meeting=OuterRef("pk"), position__election=election))
    )


def _latest(queryset, key: str, order: str):
    """{key: the newest row's values} with DISTINCT ON (one row per branch, one query)."""
    return {row[key]: row for row in queryset.order_by(key, order).distinct(key)}


def chase_list(*, election: Election, user, today: datetime.date | None = None, filters=None):
    """Branches in scope that have not reported this election's AGM result, in code order."""
    today = today or timezone.localdate()
    branches = branches_for(election, user, filters)
    reported = set(
        reported_meetings(election)
        .filter(branch__in=branches.values("pk"))
        .values_list("branch_id", flat=True)
    )
    ids = dict(branches.values_list("code", "pk"))
    links = _latest(
        BranchContactLink.objects.live()
        .filter(branch__in=branches.values("pk"))
        .values("branch_id", "pk", "contact_name", "email", "created_at", "last_used_at"),
        "branch_id",
        "-created_at",
    )
    events = _latest(
        ContactEvent.objects.filter(election=election, branch__in=branches.values("pk")).values(
            "branch_id", "kind", "at"
        ),
        "branch_id",
        "-at",
    )
    rows = []
    for line in _branch_lines(election, branches, today):
        pk = ids[line.code]
        if pk in reported:
            continue
        link, event = links.get(pk, {}), events.get(pk, {})
        rows.append(
            ChaseRow(
                branch_id=pk,
                line=line,
                contact_name=link.get("contact_name", ""),
                contact_email=link.get("email", ""),
                link_id=link.get("pk"),
                link_sent=link.get("created_at"),
                link_opened=link.get("last_used_at"),
                last_kind=event.get("kind", ""),
                last_at=event.get("at"),
            )
        )
    return rows


def chase_csv_rows(rows):
    yield [
        "branch",
        "name",
        "status",
        "contact",
        "email",
        "link opened",
        "last contact",
        "next step",
    ]
    for row in rows:
        yield [
            row.line.code,
            row.line.name,
            "AGM held, no result" if row.line.held else "no AGM held yet",
            row.contact_name,
            row.contact_email,
            f"{row.link_opened:%Y-%m-%d}" if row.link_opened else "",
            row.last_contact,
            row.next_step,
        ]


def branches_chased(*, election: Election, branch_ids, user, note: str = "") -> int:
    """Record that these branches (in the user's scope) were chased now; audited."""
    branches = branches_for(election, user).filter(pk__in=branch_ids)
    with transaction.atomic():
        created = ContactEvent.objects.bulk_create(
            ContactEvent(
                branch=branch,
                election=election,
                kind=ContactEvent.Kind.CHASED,
                by=user,
                note=note[:200],
            )
            for branch in branches.only("pk")
        )
        audit_record(
            actor=user,
            action="change",
            subject="campaign chase list",
            object_id=election.pk,
            rows=len(created),
            detail=f"marked chased for {election.slug}",
        )
    return len(created)
