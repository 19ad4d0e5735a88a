"""Members' 'I've voted' reports: in their download, gone with them (CASCADE on the
member), and purged a while after the ballot closes."""

from ballots.models import VotePledge
from core.retention import cutoff
from members.services import admin_log_forget


def pledges(member) -> dict:
    rows = VotePledge.objects.filter(member=member).select_related("ballot", "branch")
    return {
        "voted_reports": [
            {
                "ballot": p.ballot.name,
                "branch": str(p.branch),
                "reported_at": p.reported_at.isoformat(),
                "consent_version": p.consent_version,
            }
            for p in rows.order_by("reported_at", "pk")
        ]
    }


def purge(now) -> int:
    """Reports on ballots that closed longer ago than the window: the turnout figures
    the organisers keep are the contacts' returns; the dashboard of an old ballot
    then shows those alone."""
    doomed = VotePledge.objects.filter(ballot__closes_on__lt=cutoff(now, "vote_pledges").date())
    admin_log_forget(VotePledge, list(doomed.values_list("pk", flat=True)))
    return VotePledge.objects.filter(pk__in=doomed.values("pk")).delete()[0]
