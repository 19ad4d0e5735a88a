"""Signing a petition, confirming the signature, and the structure test it moves.

Every valid signature ends on the same page, whoever the address is: the
form never tells anyone whether an address has signed or is a member's.
Emails are queued with the transaction (core.task_recovery.enqueue_with_commit).
"""

import enum
from datetime import date, datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ballots import consent
from ballots.models import (
    BranchReadiness,
    Petition,
    PetitionSignature,
    StructureTest,
    StructureTestProgress,
    UnitBranch,
)
from core.task_recovery import enqueue_with_commit
from members import conf
from members.models import Branch
from members.services import normalize_email

CONFIRM_SALT = "ballots.signature.confirm"


class PetitionError(Exception):
    """A signature that cannot be taken, with a message fit for the person."""


class SignOutcome(enum.StrEnum):
    CREATED = "created"
    PENDING_AGAIN = "pending_again"  # signed, never confirmed: the confirmation again
    ALREADY_SIGNED = "already_signed"  # confirmed before: told so by email


def _email(kind: str, signature_id: int) -> None:
    from ballots.petitions.tasks import send_petition_email

    enqueue_with_commit(send_petition_email, kind=kind, signature_id=signature_id)


def signature_create(
    *,
    petition: Petition,
    name: str,
    email: str,
    branch: Branch | None = None,
    workplace: str = "",
    consent_version: int,
    now: datetime | None = None,
) -> SignOutcome:
    """Take a signature and email the link that confirms it; it counts once confirmed.

    The same address (any case) signs once: a repeat sends the confirmation
    again (or, if confirmed, an email saying it already counts), unless an
    email went within conf.resend_interval(). Details are never overwritten.
    """
    now = now or timezone.now()
    email = normalize_email(email)
    if consent_version != max(consent.WORDINGS):
        raise PetitionError("The wording of what you agree to has changed: please read it again.")
    if not petition.is_published or petition.deadline < timezone.localdate(now):
        raise PetitionError("This petition has closed.")
    with transaction.atomic():
        existing = (
            PetitionSignature.objects.select_for_update()
            .annotate(lower=Lower("email"))
            .filter(petition=petition, lower=email.lower())
            .first()
        )
        if existing is None:
            signature = PetitionSignature(
                petition=petition,
                name=name.strip(),
                email=email,
                branch=branch,
                workplace="" if branch else workplace.strip(),
                consent_version=consent_version,
                created_at=now,
                last_emailed_at=now,
            )
            signature.full_clean(exclude=["petition", "branch"])
            try:
                with transaction.atomic():  # a savepoint: a racing twin is expected
                    signature.save()
            except IntegrityError:
                return SignOutcome.PENDING_AGAIN  # the twin's email is on its way
            _email("confirm", signature.pk)
            return SignOutcome.CREATED
        outcome = SignOutcome.ALREADY_SIGNED if existing.confirmed_at else SignOutcome.PENDING_AGAIN
        if not existing.last_emailed_at or now - existing.last_emailed_at >= conf.resend_interval():
            PetitionSignature.objects.filter(pk=existing.pk).update(last_emailed_at=now)
            _email("confirm" if outcome is SignOutcome.PENDING_AGAIN else "already", existing.pk)
        return outcome


def signature_confirm(
    *, signature: PetitionSignature, ip: str | None, now: datetime | None = None
) -> bool:
    """Confirm a signature (the proof: when, and from which address); return whether this
    call confirmed it. Idempotent. The tied structure test's progress moves at once."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = PetitionSignature.objects.select_for_update().get(pk=signature.pk)
        if locked.confirmed_at is not None:
            return False
        locked.confirmed_at = now
        locked.confirmed_ip = ip or None
        locked.save(update_fields=["confirmed_at", "confirmed_ip"])
        test_id = Petition.objects.filter(pk=locked.petition_id).values("structure_test")[:1]
        test = StructureTest.objects.filter(pk__in=test_id).first()
        if test is not None:
            structure_test_recount(test=test, on=timezone.localdate(now))
    return True


def structure_test_branches(test: StructureTest) -> list[int]:
    """The branch ids a structure test covers: its branch, or its unit's branches."""
    if test.branch_id:
        return [test.branch_id]
    return list(UnitBranch.objects.filter(unit_id=test.unit_id).values_list("branch", flat=True))


def structure_test_recount(*, test: StructureTest, on: date) -> StructureTestProgress | None:
    """Record the test's progress on `on` from its petitions' confirmed signatures.

    Done: confirmed signatures naming one of its branches (each address signs
    once). Out of: the members of those branches in each one's latest readiness
    figures up to `on`. Without figures there is no percentage, so no row.
    One row a day: a later count the same day replaces it.
    """
    branches = structure_test_branches(test)
    out_of = 0
    for branch_id in branches:
        latest = (
            BranchReadiness.objects.filter(branch_id=branch_id, taken_on__lte=on)
            .order_by("-taken_on", "-pk")
            .values_list("members", flat=True)
            .first()
        )
        out_of += latest or 0
    if not out_of:
        return None
    done = PetitionSignature.objects.filter(
        Q(petition__structure_test=test),
        confirmed_at__isnull=False,
        branch_id__in=branches,
    ).count()
    with transaction.atomic():
        StructureTest.objects.select_for_update().filter(pk=test.pk).first()
        row = StructureTestProgress.objects.filter(test=test, recorded_on=on).first()
        row = row or StructureTestProgress(test=test, recorded_on=on)
        # More signers than the figures say are members: the figures are old; cap it.
        row.done, row.out_of = min(done, out_of), out_of
        row.save()
    return row


def confirm_token(signature: PetitionSignature) -> str:
    return signing.dumps([signature.pk, signature.secret], salt=CONFIRM_SALT)


def signature_from_token(token: str) -> PetitionSignature | None:
    """The signature a confirm link names, or None if tampered with, expired or gone."""
    try:
        pk, secret = signing.loads(token, salt=CONFIRM_SALT, max_age=conf.confirm_link_max_age())
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(secret, str):
        return None
    found = PetitionSignature.objects.select_related("petition").filter(pk=pk).first()
    if found is None or not constant_time_compare(found.secret, secret):
        return None
    return found
