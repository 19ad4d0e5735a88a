"""Meetings and events: replies without an account, their emails, the calendar files
and the public pages. The models are in ``campaign/models/events.py``, the admin
(attendee list, export, who came) in ``campaign/admin/events.py``."""
