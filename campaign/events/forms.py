"""The reply (RSVP) form: name, email, branch if they like, and consent to the exact
words shown, with the shared spam checks (members.forms.public)."""

from django import forms

from campaign import consent
from members.forms.details import BranchSelect, Normalised, structure_choices
from members.forms.public import ConsentedForm, branch_pk_to_branch


class RSVPForm(ConsentedForm):
    wordings = consent.WORDINGS
    started_salt = "campaign.rsvp.started"
    button = "Reply"

    name = forms.CharField(
        label="Your name",
        max_length=200,
        error_messages={
            "required": "Enter your name",
            "max_length": "Name must be 200 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="A personal address is safer: employers can read work email.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    branch = forms.TypedChoiceField(
        label="Your branch (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Branches are listed under their union group.",
        error_messages={"invalid_choice": "Choose your branch from the list"},
        widget=BranchSelect(attrs={"data-typeahead": "branch"}),
    )

    field_order = ["name", "email", "branch", "consent", "website", "started"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = Normalised(structure_choices().branches)
        self.fields["consent"].error_messages["required"] = (
            "Tick the box to agree: without it we cannot keep your reply"
        )

    def clean_branch(self):
        return branch_pk_to_branch(self.cleaned_data.get("branch"))


started_token = RSVPForm.started_token
