from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = "Ballots and readiness"
    public_models = {
        "Ballot": ("ballots",),
        "BallotUnit": ("ballots",),
        "ActionDate": ("ballots",),
        # Not on public pages: what organisers' kept ballot dashboards show
        # (ballots/admin_views.py, DASHBOARD_TOPICS).
        "BargainingUnit": ("turnout",),
        "UnitBranch": ("turnout",),
        "TurnoutReturn": ("turnout",),
        "VotePledge": ("turnout",),
        "LegalRule": ("turnout",),
        # A petition's page shows its text and its count of confirmed signatures.
        "Petition": ("petitions",),
        "PetitionSignature": ("petitions",),
    }
    demo_loader = "ballots.demo.load"
    retention_rules = {
        "unconfirmed_signatures": "ballots.petitions.privacy.purge_unconfirmed",
        "petition_signatures": "ballots.petitions.privacy.purge_closed",
        "vote_pledges": "ballots.pledges.privacy.purge",
    }

    def personal_data(self, member) -> dict:
        """The petitions signed with the member's address and their 'I've voted'
        reports, for their data download."""
        from ballots.petitions.privacy import signatures
        from ballots.pledges.privacy import pledges

        return {**signatures(member.email), **pledges(member)}

    def forget_email(self, email: str) -> None:
        """Erasure: the signatures made with this address go."""
        from ballots.petitions.privacy import forget_email

        forget_email(email)

    def contact_report_pages(self, link, token):
        """A branch contact's readiness and turnout page."""
        from ballots.contacts import report_pages

        return report_pages(link, token)

    def organiser_todo(self, user, today):
        """Ballot deadlines, turnout and structure tests, for the organiser home."""
        from ballots.todo import organiser_todo

        return organiser_todo(user, today)

    def calendar_events(self, user, start, end):
        """Every ballot timetable date, for an organiser's calendar."""
        from ballots.calendar import calendar_events

        return calendar_events(user, start, end)
