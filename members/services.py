"""Everything that writes members: joining, confirming, self-service, retention.

Views and the admin call these; each is one transaction, takes a row lock
where two requests could race, and queues email with the transaction (the task
row commits with the change: core.task_recovery.enqueue_with_commit) so
nothing is sent for a change that rolled back.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import ratelimit
from core.registry import declared
from core.task_recovery import enqueue_with_commit
from members import conf
from members.audit import audit_record
from members.consent import current_version, current_wordings
from members.models import (
    AuditEvent,
    Branch,
    BranchContactLink,
    Consent,
    ConsentKind,
    Group,
    Member,
    Suppression,
    Workplace,
)
from members.models.people import _new_secret


class MemberError(Exception):
    """A member operation that cannot be done, with a message fit for the person."""


class JoinOutcome(enum.StrEnum):
    CREATED = "created"  # a new sign-up
    PENDING_AGAIN = "pending_again"  # signed up before, never confirmed
    ALREADY_JOINED = "already_joined"  # confirmed or active already


@dataclass(frozen=True)
class JoinResult:
    member_id: int
    outcome: JoinOutcome
    emailed: bool


@dataclass(frozen=True)
class Details:
    """What a person tells us about themselves (join form and manage page)."""

    name: str
    mobile: str = ""
    branch: Branch | None = None
    branch_not_listed: str = ""
    group: Group | None = None  # for a branch not listed; a branch brings its own
    workplace: str = ""
    grade: str = ""
    is_rep: bool = False
    is_union_member: bool = True


def normalize_email(email: str) -> str:
    """Strip spaces and lower-case the domain (the unique index ignores case anyway)."""
    return BaseUserManager.normalize_email(email.strip())


def _apply_details(member: Member, details: Details) -> None:
    member.name = details.name.strip()
    member.mobile = details.mobile.strip()
    member.branch = details.branch
    member.branch_not_listed = "" if details.branch else details.branch_not_listed.strip()
    # A branch brings its group; a branch not listed, the group the person chose.
    if details.branch is not None:
        member.group_id = details.branch.group_id
    else:
        member.group_id = details.group.pk if details.group else None
    member.grade = details.grade
    member.is_rep = details.is_rep
    member.is_union_member = details.is_union_member
    member.workplace, member.workplace_not_listed = None, ""
    text = details.workplace.strip()
    if text:
        match = None
        if details.branch is not None:
            match = Workplace.objects.filter(branch=details.branch, name__iexact=text).first()
        if match is not None:
            member.workplace = match
        else:
            member.workplace_not_listed = text


def _queue_email(member: Member, kind: str) -> None:
    from members.tasks import send_member_email

    enqueue_with_commit(send_member_email, member_id=member.pk, kind=kind)


def _give_consent(member: Member, kinds, *, source: str, now: datetime) -> None:
    wordings = current_wordings(kinds)
    Consent.objects.bulk_create(
        Consent(member=member, kind=k, wording=wordings[k], given_at=now, source=source)
        for k in sorted(kinds)
    )


def member_join(
    *,
    email: str,
    details: Details,
    consents: Iterable[str],
    seen_versions: dict[str, int] | None = None,
    now: datetime | None = None,
) -> JoinResult:
    """Record a sign-up, or recognise a repeat one; queue the right email.

    The same address (any case, surrounding spaces) never makes a second live
    record, even from two requests at the same instant: the partial unique
    index member_email_unique_while_not_left decides, and the loser of the race
    finds and locks the winner's row. The caller learns the outcome but must
    show the same page whatever it is, so the form never reveals who has joined.
    A repeat within conf.resend_interval() (a double click) sends no second email.
    `seen_versions` ({kind: version}) are the consent wordings the person was
    shown: consent is recorded only against those exact words.
    """
    now = now or timezone.now()
    email = normalize_email(email)
    consents = set(consents)
    if ConsentKind.FACTION not in consents:
        raise MemberError("Consent to be contacted by the faction is needed to join.")
    if seen_versions is not None and any(
        seen_versions.get(kind) != current_version(kind) for kind in consents
    ):
        raise MemberError("The wording of what you agree to has changed: please read it again.")
    with transaction.atomic():
        member = Member.objects.select_for_update().with_email(email).first()
        if member is None:
            member = Member(email=email, status=Member.Status.PENDING, last_emailed_at=now)
            _apply_details(member, details)
            # Field checks only: branch and workplace were just read from the database,
            # and the unique-email rule is settled by the lock above and the index below.
            member.clean_fields(exclude=["branch", "group", "workplace"])
            try:
                with transaction.atomic():  # a savepoint: the race below is expected
                    member.save()
            except IntegrityError:
                member = Member.objects.select_for_update().with_email(email).first()
                if member is None:  # not the unique email after all: a real fault
                    raise
            else:
                _give_consent(
                    member, consents & set(ConsentKind.values), source="join form", now=now
                )
                _queue_email(member, "confirm")
                return JoinResult(member.pk, JoinOutcome.CREATED, emailed=True)

        outcome = (
            JoinOutcome.PENDING_AGAIN
            if member.status == Member.Status.PENDING
            else JoinOutcome.ALREADY_JOINED
        )
        # Details are not overwritten: anyone may type anyone's address here.
        recently = member.last_emailed_at and now - member.last_emailed_at < conf.resend_interval()
        if recently:
            return JoinResult(member.pk, outcome, emailed=False)
        Member.objects.filter(pk=member.pk).update(last_emailed_at=now)
        kind = "confirm_again" if outcome is JoinOutcome.PENDING_AGAIN else "already_joined"
        _queue_email(member, kind)
        return JoinResult(member.pk, outcome, emailed=True)


def member_confirm(*, member: Member, ip: str | None, now: datetime | None = None) -> Member:
    """Confirm a sign-up (the proof of consent: when, and from which address). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.status == Member.Status.LEFT:
            raise MemberError("This sign-up was cancelled. Please join again.")
        if member.status != Member.Status.PENDING:
            return member
        member.status = Member.Status.CONFIRMED
        member.confirmed_at = now
        member.confirmed_ip = ip or None
        member.last_emailed_at = now
        member.save(update_fields=["status", "confirmed_at", "confirmed_ip", "last_emailed_at"])
        _queue_email(member, "welcome")
    return member


FOREIGN_KEYS = frozenset({"branch", "group", "workplace"})


def member_update(*, member: Member, details: Details) -> list[str]:
    """Save changes the member made through their personal link; return changed fields."""
    fields = [
        "name",
        "mobile",
        "branch",
        "branch_not_listed",
        "group",
        "workplace",
        "workplace_not_listed",
        "grade",
        "is_rep",
        "is_union_member",
    ]
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        before = {f: getattr(member, f if f not in FOREIGN_KEYS else f + "_id") for f in fields}
        _apply_details(member, details)
        member.full_clean(validate_unique=False, validate_constraints=False)
        changed = [
            f
            for f in fields
            if before[f] != getattr(member, f if f not in FOREIGN_KEYS else f + "_id")
        ]
        if changed:
            member.save(update_fields=[*changed, "updated_at"])
            audit_record(
                actor="member",
                action=AuditEvent.Action.CHANGE,
                subject="members.member",
                object_id=member.pk,
                detail="changed by the member: " + ", ".join(changed),
            )
    return changed


def consent_withdraw(
    *, member: Member, kind: str, now: datetime | None = None, source: str = "manage page"
) -> bool:
    """Withdraw one consent, recording when and where; return whether one was live."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = Consent.objects.filter(
            member=member, kind=kind, withdrawn_at__isnull=True
        ).update(withdrawn_at=now, withdrawn_source=source[:100])
    return bool(updated)


def consent_give(*, member: Member, kind: str, now: datetime | None = None) -> bool:
    """Give a consent again through the manage page (current wording); idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()  # serialise per member
        if Consent.objects.filter(member=member, kind=kind, withdrawn_at__isnull=True).exists():
            return False
        _give_consent(member, {kind}, source="manage page", now=now)
    return True


def member_erase(*, member: Member, actor=None) -> None:
    """Delete a member, their consents and everything their download lists; log it, namelessly.

    Goes too: the branch-contact links sent to their address, the name they
    gave when they reported through those links (each app's
    ``forget_contact_links``), what other apps hold under their address (each
    app's ``forget_email``: replies to events), and Django's admin log entries
    about the member and those links (each keeps the object's label, i.e. the name).
    """
    with transaction.atomic():
        pk = member.pk
        links = BranchContactLink.objects.filter(email__iexact=member.email)
        link_ids = list(links.values_list("pk", flat=True))
        for _, forget in declared("forget_contact_links"):
            forget(link_ids)
        for _, forget in declared("forget_email"):
            forget(member.email)
        admin_log_forget(Member, [pk])
        admin_log_forget(BranchContactLink, link_ids)
        links.delete()
        # Their broadcast deliveries go with the record (CASCADE); a refused address too.
        Suppression.objects.filter(email=member.email.strip().lower()).delete()
        deleted, _ = Member.objects.filter(pk=pk).delete()
        if deleted:
            audit_record(
                actor=actor if actor is not None else "member",
                action=AuditEvent.Action.ERASE,
                subject="members.member",
                object_id=pk,
                detail="erased by the member" if actor is None else "erased by an organiser",
            )


def member_invite_to_update_branch(*, member: Member, actor) -> None:
    """Email a member their manage link, inviting them to check their branch; log it.

    For an organiser who added someone with this member's address from outside
    the member's scope: the organiser's answer is the one a new member gives,
    so the admin reveals no membership beyond their scope, and the member (not
    the organiser) decides whether to move. Nothing about the member changes.

    Rate limited, so the form cannot be used to flood a member's inbox: a
    member gets at most ``RATELIMITS["invite_member"]`` such emails and an
    organiser sends at most ``RATELIMITS["invite_organiser"]``. Past a limit the
    organiser's answer is the same (it must not differ from a new member's);
    the email is not sent and the audit trail says so.
    """
    emailed = (
        ratelimit.hit("invite_member", str(member.pk)).allowed
        and ratelimit.hit("invite_organiser", str(actor.pk)).allowed
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ADD,
        subject="members.member",
        object_id=member.pk,
        detail="added outside the organiser's scope with an existing address: "
        + (
            "the member was emailed an invitation to update their branch instead"
            if emailed
            else "not emailed, over the invitations' rate limit"
        ),
    )
    if emailed:
        _queue_email(member, "update_branch")


def member_links_cancel(*, member: Member, actor=None) -> None:
    """Make every personal link sent to the member stop working (a new secret).

    For a link that got into the wrong hands. The member gets a fresh one by
    joining again with their address (which sends an "already joined" email)
    or from the next email we send; an organiser's cancelling is audited as theirs.
    """
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(secret=_new_secret())
        audit_record(
            actor=actor if actor is not None else "member",
            action=AuditEvent.Action.CHANGE,
            subject="members.member",
            object_id=member.pk,
            detail="personal links cancelled",
        )


def admin_log_forget(model, pks) -> int:
    """Delete Django's admin log entries about these objects; return how many."""
    if not pks:
        return 0
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in pks],
    ).delete()[0]


def member_purge_unconfirmed(*, older_than: timedelta | datetime | None = None) -> int:
    """Delete sign-ups never confirmed and older than `older_than`; return how many.

    `older_than` is an age (timedelta) or a cut-off time (datetime); by default
    the retention period in settings.RETENTION_DAYS["unconfirmed_signups"].
    Records one RETENTION audit event (a count, no personal data) when it
    deleted anything. Called by the retention task.
    """
    if older_than is None:
        older_than = conf.unconfirmed_retention()
    cutoff = timezone.now() - older_than if isinstance(older_than, timedelta) else older_than
    with transaction.atomic():
        doomed = Member.objects.filter(status=Member.Status.PENDING, created_at__lt=cutoff)
        count = doomed.count()
        if count:
            Consent.objects.filter(member__in=doomed).delete()
            admin_log_forget(Member, list(doomed.values_list("pk", flat=True)))
            doomed.delete()
            audit_record(
                actor=None,
                action=AuditEvent.Action.RETENTION,
                subject="members.member",
                rows=count,
                detail=f"unconfirmed sign-ups created before {cutoff:%Y-%m-%d %H:%M}",
            )
    return count


def contact_link_send(
    *, branch, contact_name: str, email: str, created_by, days: int = 60
) -> BranchContactLink:
    """Create a signed link for a branch contact and email it once the link is saved.

    No token exists yet: the task makes one as it sends the email, so the raw
    token is never in the database, the task queue included, nor on screen.
    """
    from members.tasks import send_contact_link  # tasks import this module

    with transaction.atomic():
        link = BranchContactLink.create_unsent(
            branch=branch, contact_name=contact_name, email=email, created_by=created_by, days=days
        )
        audit_record(
            actor=created_by,
            action="change",
            subject="members.branchcontactlink",
            object_id=link.pk,
            detail="link sent",
        )
        # Keyed by the link, so each link is emailed once however often the
        # task is run: a requeued or retried run after a good send sends nothing.
        enqueue_with_commit(send_contact_link, link.pk, dedupe_key=f"link-{link.pk}")
    return link
