"""The reply (RSVP) form: name, email, branch if they like, and consent to the exact
words shown, with the shared spam checks (members.forms.public)."""

from campaign import consent
from members.forms.public import PersonForm


class RSVPForm(PersonForm):
    wordings = consent.WORDINGS
    started_salt = "campaign.rsvp.started"
    button = "Reply"
    email_help = "A personal address is safer: employers can read work email."
    branch_label = "Your branch (optional)"
    consent_required = "Tick the box to agree: without it we cannot keep your reply"

    field_order = ["name", "email", "branch", "consent", "website", "started"]


started_token = RSVPForm.started_token
