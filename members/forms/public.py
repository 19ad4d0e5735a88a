"""The checks every public form that takes a name and an address shares (the join form
has its own, older copy): consent to one versioned wording, a honeypot field, and a
signed time the form was shown, which also carries the wording's version.

An app's form subclasses ``ConsentedForm`` and says which words it shows:
``wordings`` ({version: text}, never edited once used) and a ``started_salt``.
``clean()`` adds ``consent_version``, the version the person saw. ``PersonForm``
adds the name, address and (optional) branch that event replies and petition
signatures both take.
"""

import time

from django import forms
from django.core import signing

from members import conf
from members.forms.details import BranchSelect, Normalised, structure_choices


class ConsentedForm(forms.Form):
    wordings: dict[int, str] = {}
    started_salt = ""
    button = "Send"  # the submit button's text, for the messages

    consent = forms.BooleanField(
        error_messages={"required": "Tick the box to agree: without it we cannot keep this"},
    )
    # Bots fill every field; people never see this one.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    summary_fields = {"wording_changed": "consent"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = self.wordings[self.current_version()]

    @classmethod
    def current_version(cls) -> int:
        return max(cls.wordings)

    @classmethod
    def started_token(cls, shown_at: float | None = None) -> str:
        """Signed proof of when the form was shown and which wording it showed."""
        shown = time.time() if shown_at is None else shown_at
        return signing.dumps({"t": shown, "w": cls.current_version()}, salt=cls.started_salt)

    @classmethod
    def read_started(cls, token: str) -> tuple[float, int] | None:
        try:
            payload = signing.loads(
                token or "", salt=cls.started_salt, max_age=conf.join_form_max_age()
            )
            return float(payload["t"]), int(payload["w"])
        except (signing.BadSignature, TypeError, ValueError, KeyError):
            return None

    def clean(self):
        data = super().clean()
        again = f"press {self.button} again"
        if data.get("website"):
            raise forms.ValidationError(
                f"Leave the field 'Leave this field empty' empty, then {again}", code="honeypot"
            )
        started = self.read_started(data.get("started"))
        if started is None:
            raise forms.ValidationError(
                f"This form has expired. Check your details and {again}", code="expired"
            )
        shown_at, version = started
        if version != self.current_version():
            # Agreement to words the person never saw is no consent: untick, save nothing.
            self.data = self.data.copy()
            self.data.pop("consent", None)
            raise forms.ValidationError(
                "The wording of what you agree to has changed: please read it again, "
                f"tick the box and press {self.button}",
                code="wording_changed",
            )
        if time.time() - shown_at < conf.join_min_seconds():
            raise forms.ValidationError(
                f"That was quicker than we expected from a person. Check your details and {again}",
                code="too_fast",
            )
        data["consent_version"] = version
        return data

    @property
    def started_value(self) -> str:
        """The token to render: the time first shown if still valid, else now."""
        started = self.read_started(self.data.get("started")) if self.is_bound else None
        return self.started_token(started[0] if started else None)


def branch_pk_to_branch(pk):
    """Clean a branch chosen from the list (a pk) into the Branch, or a message."""
    from members.models import Branch

    if pk is None:
        return None
    branch = Branch.objects.filter(pk=pk).first()
    if branch is None:
        raise forms.ValidationError("Choose your branch from the list")
    return branch


class PersonForm(ConsentedForm):
    """Name, email and, if they like, their branch (a Branch once cleaned), with the
    consent and spam checks. Subclasses set the words that differ."""

    email_help = ""
    branch_label = "Your branch"
    consent_required = ConsentedForm.base_fields["consent"].error_messages["required"]

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
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    branch = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Branches are listed under their union group.",
        error_messages={"invalid_choice": "Choose your branch from the list"},
        widget=BranchSelect(attrs={"data-typeahead": "branch"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = self.email_help
        self.fields["branch"].label = self.branch_label
        self.fields["branch"].choices = Normalised(structure_choices().branches)
        self.fields["consent"].error_messages["required"] = self.consent_required

    def clean_branch(self):
        return branch_pk_to_branch(self.cleaned_data.get("branch"))
