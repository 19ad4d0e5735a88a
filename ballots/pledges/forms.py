"""The short 'I've voted' form: the member's email address and consent."""

from django import forms

from ballots import consent
from members.forms.public import ConsentedForm


class PledgeForm(ConsentedForm):
    wordings = consent.PLEDGE_WORDINGS
    started_salt = "ballots.pledge.started"
    button = "Send me the link"

    email = forms.EmailField(
        label="The email address you joined with",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    field_order = ["email", "consent", "website", "started"]


started_token = PledgeForm.started_token
