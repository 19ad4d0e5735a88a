from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = "Ballots and readiness"
    public_models = {"Ballot": ("ballots",), "BallotUnit": ("ballots",), "ActionDate": ("ballots",)}
    demo_loader = "ballots.demo.load"

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
