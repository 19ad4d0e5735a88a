"""What the campaign holds about a member or a branch contact, for their data download.

The members app builds the download and asks each app for its part
(``CampaignConfig.personal_data`` and ``contact_link_data``).
"""

from campaign.models import BranchMeeting, NominationReport


def meetings_moved(member) -> dict:
    """The branch meetings at which the member is named to move our nominations."""
    meetings = (
        BranchMeeting.objects.filter(mover=member).select_related("branch").order_by("date", "pk")
    )
    return {
        "meetings_moved": [
            {
                "branch": str(m.branch),
                "meeting": m.get_kind_display(),
                "date": m.date.isoformat(),
                "place": m.place,
            }
            for m in meetings
        ]
    }


def link_reports(link) -> dict:
    """The nominations a branch contact reported through their link."""
    reports = (
        NominationReport.objects.filter(link=link)
        .select_related("meeting__branch", "election")
        .order_by("created_at", "pk")
    )
    return {
        "reports": [
            {
                "meeting": str(r.meeting),
                "election": r.election.name,
                "version": r.version,
                "reported_by": r.reported_by,
                "reported_at": r.created_at.isoformat(),
            }
            for r in reports
        ]
    }
