from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = "Election campaign"
    public_models = (
        "Election",
        "Position",
        "ReservedSeatRule",
        "Candidate",
        "NoticeRule",
        "BranchMeeting",
        "Nomination",
    )
    demo_loader = "campaign.demo.load"

    def ready(self):
        from articles.sitemaps import SITEMAPS
        from campaign.sitemaps import HomeSitemap

        SITEMAPS["home"] = HomeSitemap

    def personal_data(self, member) -> dict:
        """A member's part in the campaign, for their data download."""
        from campaign.privacy import meetings_moved

        return meetings_moved(member)

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
