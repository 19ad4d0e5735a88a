"""What we hold about people who reply to events: their download, erasure, retention.

A reply is not tied to a member record, only to the address it was made
with; a member who has proved that address is shown and may erase the
replies made with it (members.download, members.services.member_erase
through ``CampaignConfig.personal_data`` and ``forget_email``).
"""

from django.db.models.functions import Lower

from campaign import consent
from campaign.models import EventRSVP
from core.retention import cutoff
from members.services import admin_log_forget


def _with_email(email: str):
    return EventRSVP.objects.annotate(lower=Lower("email")).filter(lower=email.strip().lower())


def replies(email: str) -> dict:
    """The replies made with this address, for a data download (one query)."""
    rows = _with_email(email).select_related("event", "branch").order_by("created_at", "pk")
    return {
        "event_replies": [
            {
                "event": r.event.title,
                "starts_at": r.event.starts_at.isoformat(),
                "name": r.name,
                "email": r.email,
                "branch": str(r.branch) if r.branch else "",
                "replied_at": r.created_at.isoformat(),
                "consent_wording": consent.WORDINGS.get(r.consent_version, ""),
                "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
                "attended": r.attended,
                "reminded_at": r.reminded_at.isoformat() if r.reminded_at else None,
            }
            for r in rows
        ]
    }


def forget_email(email: str) -> int:
    """Erasure: every reply made with this address goes, with the admin log's entries."""
    doomed = _with_email(email)
    admin_log_forget(EventRSVP, list(doomed.values_list("pk", flat=True)))
    return EventRSVP.objects.filter(pk__in=doomed.values("pk")).delete()[0]


def purge_replies(now) -> int:
    """Replies to events that ended longer ago than the window (settings.RETENTION_DAYS)."""
    doomed = EventRSVP.objects.filter(event__ends_at__lt=cutoff(now, "event_replies"))
    admin_log_forget(EventRSVP, list(doomed.values_list("pk", flat=True)))
    return EventRSVP.objects.filter(pk__in=doomed.values("pk")).delete()[0]
