"""The retention rule of broadcasts' per-member delivery rows (core.retention runs it)."""

from django.db.models import Q

from core.retention import cutoff
from members.models import Broadcast, BroadcastDelivery


def purge_deliveries(now) -> int:
    """Who was sent what, a while after the broadcast ended (its counts stay on it)."""
    before = cutoff(now, "broadcast_deliveries")
    ended = Q(broadcast__finished_at__lt=before) | Q(
        broadcast__status=Broadcast.Status.PAUSED, broadcast__started_at__lt=before
    )
    return BroadcastDelivery.objects.filter(ended).delete()[0]


def personal_data(member) -> dict:
    """The broadcasts sent (or meant) for a member, for their data download."""
    rows = (
        BroadcastDelivery.objects.filter(member=member)
        .select_related("broadcast")
        .order_by("broadcast__created_at", "pk")
    )
    return {
        "emails_from_organisers": [
            {
                "subject": d.broadcast.subject,
                "status": d.get_status_display(),
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                "mail_server_answer": d.reason,
            }
            for d in rows
        ]
    }
