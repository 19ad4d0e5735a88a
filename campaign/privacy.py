"""What the campaign holds about a member or a branch contact: their data download and erasure.

The members app builds the download and asks each app for its part
(``CampaignConfig.personal_data`` and ``contact_links_data``), and before it
erases a member's contact links asks each app to forget who used them
(``forget_contact_links``).
"""

from campaign.models import BranchMeeting, Nomination, NominationReport

ERASED = "a branch contact (erased)"


def forget_reporters(links) -> int:
    """Remove the reporter's name from every nomination report made through `links`.

    The reports stay (what a branch nominated is the union's record, not the
    contact's), but the name typed in, copied onto each nomination, goes with
    the person. Returns the number of reports changed.
    """
    reports = NominationReport.objects.filter(link__in=links)
    Nomination.objects.filter(report__in=reports).update(reported_by=ERASED)
    return reports.update(reported_by=ERASED)


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


def link_reports(links) -> dict:
    """The nominations reported through each link: {link id: {"reports": [...]}}, one query."""
    by_link = {link.pk: [] for link in links}
    reports = (
        NominationReport.objects.filter(link__in=list(by_link))
        .select_related("meeting__branch", "election")
        .order_by("created_at", "pk")
    )
    for r in reports:
        by_link[r.link_id].append(
            {
                "meeting": str(r.meeting),
                "election": r.election.name,
                "version": r.version,
                "reported_by": r.reported_by,
                "reported_at": r.created_at.isoformat(),
            }
        )
    return {pk: {"reports": rows} for pk, rows in by_link.items()}
