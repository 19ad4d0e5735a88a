"""The signature form: name, email, branch or workplace, and consent to the exact words
shown, with the shared spam checks (members.forms.public)."""

from django import forms

from ballots import consent
from members.forms.public import PersonForm


class SignatureForm(PersonForm):
    wordings = consent.WORDINGS
    started_salt = "ballots.signature.started"
    button = "Sign"
    email_help = "We email you a link to confirm: your signature counts once you do."
    consent_required = "Tick the box to agree: without it we cannot count your signature"

    workplace = forms.CharField(
        label="Or your workplace",
        required=False,
        max_length=200,
        help_text="If your branch is not in the list.",
        error_messages={"max_length": "Workplace must be 200 characters or fewer"},
    )

    field_order = ["name", "email", "branch", "workplace", "consent", "website", "started"]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("branch") and not data.get("workplace", "").strip():
            self.add_error("branch", "Choose your branch, or type your workplace")
        return data


started_token = SignatureForm.started_token
