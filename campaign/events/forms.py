"""The reply (RSVP) form: name, email, branch if they like, and consent to the exact
words shown, with the join form's spam checks (a honeypot, a signed time shown)."""

import time

from django import forms
from django.core import signing

from campaign import consent
from members import conf
from members.forms.details import BranchSelect, Normalised, structure_choices
from members.models import Branch

STARTED_SALT = "campaign.rsvp.started"


def started_token(shown_at: float | None = None) -> str:
    """Signed proof of when the form was shown and which consent wording it showed."""
    return signing.dumps(
        {"t": time.time() if shown_at is None else shown_at, "w": consent.current_version()},
        salt=STARTED_SALT,
    )


def read_started(token: str) -> tuple[float, int] | None:
    try:
        payload = signing.loads(token or "", salt=STARTED_SALT, max_age=conf.join_form_max_age())
        return float(payload["t"]), int(payload["w"])
    except (signing.BadSignature, TypeError, ValueError, KeyError):
        return None


class RSVPForm(forms.Form):
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
    consent = forms.BooleanField(
        error_messages={"required": "Tick the box to agree: without it we cannot keep your reply"},
    )
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    summary_fields = {"wording_changed": "consent"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = Normalised(structure_choices().branches)
        self.fields["consent"].label = consent.current_text()

    def clean_branch(self):
        pk = self.cleaned_data.get("branch")
        if pk is None:
            return None
        branch = Branch.objects.filter(pk=pk).first()
        if branch is None:
            raise forms.ValidationError("Choose your branch from the list")
        return branch

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                "Leave the field 'Leave this field empty' empty, then press Reply again",
                code="honeypot",
            )
        started = read_started(data.get("started"))
        if started is None:
            raise forms.ValidationError(
                "This form has expired. Check your details and press Reply again",
                code="expired",
            )
        shown_at, version = started
        if version != consent.current_version():
            self.data = self.data.copy()
            self.data.pop("consent", None)
            raise forms.ValidationError(
                "The wording of what you agree to has changed: please read it again, "
                "tick the box and press Reply",
                code="wording_changed",
            )
        if time.time() - shown_at < conf.join_min_seconds():
            raise forms.ValidationError(
                "That was quicker than we expected from a person. "
                "Check your details and press Reply again",
                code="too_fast",
            )
        data["consent_version"] = version
        return data

    @property
    def started_value(self) -> str:
        """The token to render: the time first shown if still valid, else now."""
        started = read_started(self.data.get("started")) if self.is_bound else None
        return started_token(started[0] if started else None)
