from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = "Election campaign"
    # What each model's change makes stale (core.pagecache.topics): an election's
    # name and dates show on the home page and every election page; the rest only
    # on slate pages (a nomination report moves a slate's counts, not the articles).
    public_models = {
        "Election": ("elections",),
        "Position": ("slates",),
        "ReservedSeatRule": ("slates",),
        "Candidate": ("slates",),
        "NoticeRule": ("slates",),
        "BranchMeeting": ("slates",),
        "Nomination": ("slates",),
        # The event pages show an event's details and the places its replies take.
        "Event": ("events",),
        "EventRSVP": ("events",),
    }
    demo_loader = "campaign.demo.load"
    retention_rules = {"event_replies": "campaign.events.privacy.purge_replies"}

    def ready(self):
        from articles.sitemaps import SITEMAPS
        from campaign.sitemaps import ElectionSitemap, HomeSitemap

        SITEMAPS["home"] = HomeSitemap
        SITEMAPS["elections"] = ElectionSitemap

    def next_public_change(self):
        """When the next published event starts (its page stops taking replies), or None."""
        from django.db.models import Min
        from django.utils import timezone

        from campaign.models import Event

        upcoming = Event.objects.published().filter(starts_at__gt=timezone.now())
        return upcoming.aggregate(first=Min("starts_at"))["first"]

    def personal_data(self, member) -> dict:
        """A member's part in the campaign, for their data download: the meetings
        they move our nominations at, and their replies to events (by address)."""
        from campaign.events.privacy import replies
        from campaign.privacy import meetings_moved

        return {**meetings_moved(member), **replies(member.email)}

    def forget_email(self, email: str) -> None:
        """Erasure: the replies to events made with this address go."""
        from campaign.events.privacy import forget_email

        forget_email(email)

    def contact_links_data(self, links) -> dict:
        """What branch contacts reported through these links, for a data download."""
        from campaign.privacy import link_reports

        return link_reports(links)

    def forget_contact_links(self, links) -> None:
        """Erasure: the names of whoever reported through these links go."""
        from campaign.privacy import forget_reporters

        forget_reporters(links)

    def contact_report_pages(self, link, token):
        """A branch contact's AGM report, one page per election open to their branch."""
        from campaign.contacts import report_pages

        return report_pages(link, token)

    def organiser_todo(self, user, today):
        """Notice deadlines, nominations and unreported AGMs, for the organiser home."""
        from campaign.todo import organiser_todo

        return organiser_todo(user, today)

    def calendar_events(self, user, start, end):
        """Meetings, notice deadlines and election dates, for an organiser's calendar."""
        from campaign.calendar import calendar_events

        return calendar_events(user, start, end)
