"""The organisers' admin for the campaign, one module per subject: elections and
their slates (with the nominations board), branch meetings (AGM imports, the
result screen, notice rules), nominations with the reports behind them, and
events with their replies (the attendee list for the door and its export).

Every admin here uses members.scoping.ScopedAdminMixin: an organiser needs the
model permission (their role's group gives it) and sees only their scope.
"""

from campaign.admin import elections, events, meetings, nominations

__all__ = ["elections", "events", "meetings", "nominations"]
