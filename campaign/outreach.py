"""Bulk contact links and the reminders that follow them.

``contact_links_bulk_send`` creates every link, records the contact, schedules its
reminders and queues its email in one transaction: the task rows commit with the
links (``enqueue_with_commit``), each keyed by its link, so a worker killed
mid-batch neither loses an email (the rest stay queued) nor doubles one (a rerun
of a sent one finds its sent-marker). ``send_due_reminders`` runs daily and
sends each link's due reminders (one email) unless the branch has reported,
which stops the rest.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from campaign.chase import reported_meetings
from campaign.models import (
    BranchMeeting,
    ContactEvent,
    Election,
    NoticeRule,
    Reminder,
)
from core.task_recovery import enqueue_with_commit
from members.audit import audit_record
from members.models import Branch, BranchContactLink

MAX_ROWS = 2000  # branches in one bulk send (the union has about 1,000)
NOTICE_LEAD_DAYS = 3  # the notice reminder goes this many days before the first deadline
CHASE_AFTER_DAYS = 7
LINK_DAYS = 60
# The first line of a reminder, by kind (members.tasks.send_contact_link's `reminder`).
REMINDER_WORDS = {
    Reminder.Kind.NOTICE: "your branch meeting's notice deadline is in a few days",
    Reminder.Kind.REPORT: "please report your AGM's result (who it nominated)",
    Reminder.Kind.CHASE: "we have not heard from your branch yet",
}
# A link's reminders due together go as one email, which gives the reason of the
# latest due; between two due the same day, the one later in this list.
REMINDER_RANK = [Reminder.Kind.CHASE, Reminder.Kind.NOTICE, Reminder.Kind.REPORT]


@dataclass(frozen=True)
class Recipient:
    branch: Branch
    contact_name: str
    email: str


class BulkSendError(Exception):
    """Bad input for a bulk send: one message per bad line, nothing sent."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def recipients_from_csv(text: str, branches) -> list[Recipient]:
    """Parse "branch code, email[, contact name]" lines; every line good or BulkSendError.

    `branches` are the ones the organiser may send to: any other code is refused
    by line, in the same words as an unknown one.
    """
    problems, found, seen = [], [], set()
    try:
        rows = list(csv.reader(io.StringIO(text.replace("\x00", ""), newline="")))
    except csv.Error as exc:
        raise BulkSendError([f"The file is not CSV that can be read: {exc}."]) from None
    if rows and rows[0] and rows[0][0].strip().lower() in {"code", "branch", "branch code"}:
        rows = [[""], *rows[1:]]  # a header line: skipped, line numbers kept
    if len([r for r in rows if any(c.strip() for c in r)]) > MAX_ROWS:
        raise BulkSendError([f"The file has more than {MAX_ROWS} lines. Split it."])
    codes = {r[0].strip().upper() for r in rows if r and r[0].strip()}
    by_code = {b.code.upper(): b for b in branches.filter(code__in=_variants(codes))}
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) < 2:
            problems.append(f"Line {number}: give a branch code and an email address.")
            continue
        code, email = cells[0], cells[1]
        name = cells[2] if len(cells) > 2 and cells[2] else "Branch contact"
        branch = by_code.get(code.upper())
        if branch is None:
            problems.append(f"Line {number}: no branch {code[:40]!r} among yours.")
            continue
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"Line {number}: {email[:60]!r} is not an email address.")
            continue
        if len(name) > 200:
            problems.append(f"Line {number}: the contact's name is over 200 characters.")
            continue
        if branch.pk in seen:
            problems.append(f"Line {number}: branch {branch.code} is on an earlier line too.")
            continue
        seen.add(branch.pk)
        found.append(Recipient(branch, name, email))
    if problems:
        raise BulkSendError(problems)
    if not found:
        raise BulkSendError(["The file has no lines to send to."])
    return found


def _variants(codes):
    """Branch codes as typed and upper-cased (codes are stored as the union writes them)."""
    return list(codes | {c.lower() for c in codes} | {c.title() for c in codes})


def recipients_from_links(branches) -> tuple[list[Recipient], list[Branch]]:
    """Each branch's latest live contact, and the branches with none (who cannot be sent to)."""
    latest = {}
    for link in (
        BranchContactLink.objects.live()
        .filter(branch__in=branches.values("pk"))
        .select_related("branch")
        .order_by("branch_id", "-created_at")
        .distinct("branch_id")
    ):
        latest[link.branch_id] = Recipient(link.branch, link.contact_name, link.email)
    chosen = list(branches.order_by("code"))
    return [latest[b.pk] for b in chosen if b.pk in latest], [
        b for b in chosen if b.pk not in latest
    ]


def reminder_days(
    meeting: BranchMeeting | None, rules, today: datetime.date
) -> list[tuple[str, datetime.date]]:
    """(kind, day) for each reminder a new link gets, every one after today."""
    days = [(Reminder.Kind.CHASE, today + datetime.timedelta(days=CHASE_AFTER_DAYS))]
    if meeting is not None and meeting.date >= today:
        deadlines = [day for _label, day in meeting.notice_deadlines(rules) if day > today]
        if deadlines:
            lead = min(deadlines) - datetime.timedelta(days=NOTICE_LEAD_DAYS)
            days.append((Reminder.Kind.NOTICE, max(lead, today + datetime.timedelta(days=1))))
        days.append((Reminder.Kind.REPORT, meeting.date + datetime.timedelta(days=1)))
    return sorted(days, key=lambda kd: kd[1])


def contact_links_bulk_send(
    *, election: Election, recipients: list[Recipient], user, days: int = LINK_DAYS
) -> list[BranchContactLink]:
    """Create and email a link for each recipient, with its reminders; all or nothing."""
    from members.tasks import send_contact_link

    today = timezone.localdate()
    rules = list(NoticeRule.objects.all())
    meetings = {
        m.branch_id: m
        for m in BranchMeeting.objects.filter(
            branch__in=[r.branch.pk for r in recipients],
            date__gte=election.agm_window_start,
            date__lte=election.agm_window_end,
        ).order_by("branch_id", "-date")
    }
    links = []
    with transaction.atomic():
        for recipient in recipients:
            link = BranchContactLink.create_unsent(
                branch=recipient.branch,
                contact_name=recipient.contact_name,
                email=recipient.email,
                created_by=user,
                days=days,
            )
            links.append(link)
            # Keyed by the link: a requeued or retried run after a good send sends nothing.
            enqueue_with_commit(send_contact_link, link.pk, dedupe_key=f"link-{link.pk}")
        ContactEvent.objects.bulk_create(
            ContactEvent(
                branch_id=link.branch_id,
                election=election,
                kind=ContactEvent.Kind.LINK_SENT,
                by=user,
                link=link,
            )
            for link in links
        )
        # The branches' earlier links for this election stop being reminded: the
        # newest send names who to ask now, and a branch gets one set of reminders.
        Reminder.objects.filter(
            election=election,
            link__branch__in=[link.branch_id for link in links],
            sent_at__isnull=True,
            stopped_at__isnull=True,
        ).update(stopped_at=timezone.now())
        Reminder.objects.bulk_create(
            Reminder(link=link, election=election, kind=kind, due_on=day)
            for link in links
            for kind, day in reminder_days(meetings.get(link.branch_id), rules, today)
        )
        audit_record(
            actor=user,
            action="change",
            subject="members.branchcontactlink",
            object_id=election.pk,
            rows=len(links),
            detail=f"bulk links sent for {election.slug}",
        )
    return links


def send_due_reminders(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send the reminders due by today, one email per link; stop those of branches that
    have reported."""
    from members.tasks import send_contact_link

    today = today or timezone.localdate()
    now = timezone.now()
    counts = {"sent": 0, "stopped": 0}
    due = (
        Reminder.objects.filter(due_on__lte=today, sent_at__isnull=True, stopped_at__isnull=True)
        .select_related("link", "election")
        .order_by("due_on", "pk")
    )
    for reminder in due:
        with transaction.atomic():
            # The link's reminders due by today go together, as one email: each
            # email gives the link a new token, so a second one would leave the
            # first with a dead link (a chase and a report due on one day do that).
            together = list(
                Reminder.objects.select_for_update(skip_locked=True).filter(
                    link_id=reminder.link_id,
                    election_id=reminder.election_id,
                    due_on__lte=today,
                    sent_at__isnull=True,
                    stopped_at__isnull=True,
                )
            )
            if reminder.pk not in {r.pk for r in together}:
                continue  # sent with another of its link's, or another worker has it
            # After a missed daily run, a notice reminder whose deadline has gone by
            # would announce it as "in a few days": it is stopped, not sent.
            late = {
                r.pk
                for r in together
                if r.kind == Reminder.Kind.NOTICE
                and r.due_on + datetime.timedelta(days=NOTICE_LEAD_DAYS) < today
            }
            if late:
                counts["stopped"] += Reminder.objects.filter(pk__in=late).update(stopped_at=now)
                together = [r for r in together if r.pk not in late]
                if not together:
                    continue
            link, election = reminder.link, reminder.election
            reported = (
                reported_meetings(election)
                .filter(
                    branch_id=link.branch_id,
                    date__gte=election.agm_window_start,
                    date__lte=election.agm_window_end,
                )
                .exists()
            )
            if reported or not link.is_live:
                # A branch that reported needs no more reminders for this election;
                # a link that ended needs none, but a newer link to the branch still does.
                unsent = Reminder.objects.filter(
                    election=election, sent_at__isnull=True, stopped_at__isnull=True
                )
                stopped = (
                    unsent.filter(link__branch_id=link.branch_id)
                    if reported
                    else unsent.filter(link=link)
                )
                counts["stopped"] += stopped.update(stopped_at=now)
                continue
            # One email for them all, giving the reason REMINDER_RANK picks; all count as sent.
            chosen = max(together, key=lambda r: (r.due_on, REMINDER_RANK.index(r.kind)))
            Reminder.objects.filter(pk__in=[r.pk for r in together]).update(sent_at=now)
            ContactEvent.objects.create(
                branch_id=link.branch_id,
                election=election,
                kind=ContactEvent.Kind.REMINDER,
                link=link,
                note=chosen.get_kind_display(),
            )
            enqueue_with_commit(
                send_contact_link,
                link.pk,
                dedupe_key=f"reminder-{chosen.pk}",
                reminder=REMINDER_WORDS[chosen.kind],
            )
            counts["sent"] += 1
    return counts
