"""The members app's retention rules (run by core.retention, periods in settings)."""

from django.db.models import Q

from core.retention import cutoff
from members import services
from members.models import AuditEvent, BranchContactLink, Consent, Member


def purge_unconfirmed(now) -> int:
    """Sign-ups whose email was never confirmed."""
    return services.member_purge_unconfirmed(older_than=cutoff(now, "unconfirmed_signups"))


def purge_left_members(now) -> int:
    """People who left the faction, a while after their record last changed."""
    doomed = Member.objects.filter(
        status=Member.Status.LEFT, updated_at__lt=cutoff(now, "left_members")
    )
    Consent.objects.filter(member__in=doomed).delete()  # kept as evidence until then
    services.admin_log_forget(Member, list(doomed.values_list("pk", flat=True)))
    return doomed.delete()[1].get("members.Member", 0)


def purge_signed_links(now) -> int:
    """Branch contacts' links that expired or were revoked longer ago than the window."""
    before = cutoff(now, "signed_links")
    doomed = BranchContactLink.objects.filter(Q(expires_at__lt=before) | Q(revoked_at__lt=before))
    services.admin_log_forget(BranchContactLink, list(doomed.values_list("pk", flat=True)))
    return doomed.delete()[1].get(BranchContactLink._meta.label, 0)


def purge_audit_events(now) -> int:
    return AuditEvent.objects.filter(at__lt=cutoff(now, "audit_events")).delete()[0]
