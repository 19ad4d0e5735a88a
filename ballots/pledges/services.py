"""Asking for the 'I've voted' link, and recording the report.

The form takes an address and always ends on the same page: only the
address of a confirmed member in one of the ballot's units is emailed a
link, so the form never tells anyone who is a member. The link carries the
member's secret, so it stops working when they cancel their links or are
erased.
"""

from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ballots import consent
from ballots.models import Ballot, UnitBranch, VotePledge
from core.task_recovery import enqueue_with_commit
from members import conf
from members.models import Member
from members.services import normalize_email

SALT = "ballots.pledge"


class PledgeError(Exception):
    """A report that cannot be taken, with a message fit for the person."""


def _voting(ballot: Ballot, day) -> bool:
    return ballot.opens_on <= day <= ballot.closes_on


def _voter(ballot: Ballot, email: str) -> Member | None:
    """The confirmed member with this address whose branch is in one of the ballot's units."""
    units = ballot.units.values("pk")
    branches = UnitBranch.objects.filter(unit__in=units).values("branch")
    return (
        Member.objects.with_email(email)
        .filter(status__in=(Member.Status.CONFIRMED, Member.Status.ACTIVE), branch__in=branches)
        .first()
    )


def pledge_link_request(*, ballot: Ballot, email: str, consent_version: int) -> bool:
    """Email the 'I've voted' link if the address is a voter's; return whether it was."""
    if consent_version != max(consent.PLEDGE_WORDINGS):
        raise PledgeError("The wording of what you agree to has changed: please read it again.")
    if not _voting(ballot, timezone.localdate()):
        raise PledgeError("Voting in this ballot is not open.")
    member = _voter(ballot, normalize_email(email))
    if member is None:
        return False
    from ballots.pledges.tasks import send_pledge_link

    with transaction.atomic():
        enqueue_with_commit(
            send_pledge_link, member_id=member.pk, ballot_id=ballot.pk, version=consent_version
        )
    return True


def pledge_token(member: Member, ballot: Ballot, version: int) -> str:
    return signing.dumps([member.pk, ballot.pk, member.secret, version], salt=SALT)


def read_pledge_token(token: str) -> tuple[Member, Ballot, int] | None:
    """(member, ballot, consent version) from a valid link, else None."""
    try:
        pk, ballot_pk, secret, version = signing.loads(
            token, salt=SALT, max_age=conf.confirm_link_max_age()
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not all(isinstance(v, int) for v in (pk, ballot_pk, version)):
        return None
    member = Member.objects.filter(pk=pk).exclude(status=Member.Status.LEFT).first()
    ballot = Ballot.objects.filter(pk=ballot_pk).first()
    if member is None or ballot is None or not constant_time_compare(member.secret, str(secret)):
        return None
    return member, ballot, version


def pledge_record(
    *, member: Member, ballot: Ballot, consent_version: int, now: datetime | None = None
) -> bool:
    """Record that `member` voted in `ballot`; return whether this call recorded it.

    Once per member and ballot (the unique constraint decides a race), counted
    in the branch they are in now, from today; only while voting runs.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not _voting(ballot, today):
        raise PledgeError("Voting in this ballot is not open.")
    if member.branch_id is None or consent_version not in consent.PLEDGE_WORDINGS:
        raise PledgeError("We cannot count this report: please ask for a new link.")
    try:
        with transaction.atomic():
            VotePledge.objects.create(
                ballot=ballot,
                member=member,
                branch_id=member.branch_id,
                consent_version=consent_version,
                reported_at=now,
                reported_on=today,
            )
    except IntegrityError:
        return False
    return True
