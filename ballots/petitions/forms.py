"""The signature form: name, email, branch or workplace, and consent to the exact words
shown, with the shared spam checks (members.forms.public)."""

from django import forms

from ballots import consent
from members.forms.details import BranchSelect, Normalised, structure_choices
from members.forms.public import ConsentedForm, branch_pk_to_branch


class SignatureForm(ConsentedForm):
    wordings = consent.WORDINGS
    started_salt = "ballots.signature.started"
    button = "Sign"

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
        help_text="We email you a link to confirm: your signature counts once you do.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    branch = forms.TypedChoiceField(
        label="Your branch",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Branches are listed under their union group.",
        error_messages={"invalid_choice": "Choose your branch from the list"},
        widget=BranchSelect(attrs={"data-typeahead": "branch"}),
    )
    workplace = forms.CharField(
        label="Or your workplace",
        required=False,
        max_length=200,
        help_text="If your branch is not in the list.",
        error_messages={"max_length": "Workplace must be 200 characters or fewer"},
    )

    field_order = ["name", "email", "branch", "workplace", "consent", "website", "started"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = Normalised(structure_choices().branches)
        self.fields["consent"].error_messages["required"] = (
            "Tick the box to agree: without it we cannot count your signature"
        )

    def clean_branch(self):
        return branch_pk_to_branch(self.cleaned_data.get("branch"))

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("branch") and not data.get("workplace", "").strip():
            self.add_error("branch", "Choose your branch, or type your workplace")
        return data


started_token = SignatureForm.started_token
