"""The join form: your details, your email address and your consent, with the
spam checks (a honeypot field and a signed time the form was shown) and the
warning about a work email address."""

import time

from django import forms
from django.core import signing

from members import conf
from members.consent import current_text, current_version
from members.forms.details import DetailsForm
from members.models import ConsentKind

STARTED_SALT = "members.join.started"


def shown_versions() -> dict[str, int]:
    """The version of each consent wording a form shows now."""
    return {kind: current_version(kind) for kind in ConsentKind.values}


def started_token(*, shown_at: float | None = None, versions: dict | None = None) -> str:
    """Signed proof of when the form was shown and which consent wordings it showed."""
    payload = {
        "t": time.time() if shown_at is None else shown_at,
        "w": shown_versions() if versions is None else versions,
    }
    return signing.dumps(payload, salt=STARTED_SALT)


def read_started(token: str) -> tuple[float, dict] | None:
    """(when shown, consent versions shown) from a valid, unexpired token; else None."""
    max_age = conf.join_form_max_age()
    try:
        payload = signing.loads(token or "", salt=STARTED_SALT, max_age=max_age)
        shown_at, versions = float(payload["t"]), dict(payload["w"])
    except (signing.BadSignature, TypeError, ValueError, KeyError):
        return None
    # A token re-signed when the form was shown again keeps its first time.
    if time.time() - shown_at > max_age.total_seconds():
        return None
    return shown_at, versions


class JoinForm(DetailsForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Use a personal address, not a work one: employers can read work email.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # Labels are the current wordings, set for each form (see __init__).
    consent_faction = forms.BooleanField(
        error_messages={
            "required": "Tick the box to agree that we may contact you: "
            "without it we cannot keep your sign-up"
        },
    )
    consent_branch = forms.BooleanField(
        required=False,
        help_text="Optional.",
    )
    # Spam checks. `website` is hidden from people (and labelled for anyone whose
    # screen reader reaches it); bots fill every field.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)
    # Shown only beside the warning about a work address (see work_email_unconfirmed).
    use_work_email = forms.BooleanField(
        label="Use this address anyway",
        required=False,
        help_text="Tick this only if you cannot use a personal address.",
    )

    # "The wording has changed" leads to the words to read again (see core.forms).
    summary_fields = {"wording_changed": "consent_faction"}

    field_order = [
        "name",
        "email",
        "mobile",
        "branch",
        "branch_not_listed",
        "group",
        "workplace",
        "grade",
        "is_union_member",
        "is_rep",
        "consent_faction",
        "consent_branch",
        "website",
        "started",
        "use_work_email",
    ]

    WORDING_CHANGED = (
        "The wording of what you agree to has changed: please read it again, "
        "tick the boxes you agree with and press Join"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The labels and the versions signed into `started` come from one place,
        # so the consent saved is the wording this page showed.
        self.fields["consent_faction"].label = current_text(ConsentKind.FACTION)
        self.fields["consent_branch"].label = current_text(ConsentKind.BRANCH)
        self.fields["started"].initial = started_token()

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                "Leave the field 'Leave this field empty' empty, then press Join again",
                code="honeypot",
            )
        started = read_started(data.get("started"))
        if started is None:
            raise forms.ValidationError(
                "This form has expired. Check your details and press Join again",
                code="expired",
            )
        shown_at, versions = started
        if versions != shown_versions():
            # Agreement to words the person never saw is no consent: untick the
            # boxes, show the new words, save nothing.
            self.data = self.data.copy()
            for name in ("consent_faction", "consent_branch"):
                self.data.pop(name, None)
            raise forms.ValidationError(self.WORDING_CHANGED, code="wording_changed")
        elapsed = time.time() - shown_at
        if elapsed < conf.join_min_seconds():
            raise forms.ValidationError(
                "That was quicker than we expected from a person. "
                "Check your details and press Join again",
                code="too_fast",
            )
        return data

    @property
    def fragment_name(self) -> str | None:
        """The name its fields' HTML is kept under while unfilled (the same for every
        visitor until the structure or the consent wording changes), or None."""
        if self.is_bound:
            return None
        wordings = "-".join(f"{kind}{v}" for kind, v in sorted(shown_versions().items()))
        return f"members:join-fields:{wordings}"

    @property
    def started_value(self) -> str:
        """The token to render: the time sent if still valid (else now), and the
        wordings this page shows now."""
        started = read_started(self.data.get("started")) if self.is_bound else None
        return started_token(shown_at=started[0] if started else None)

    def consent_versions(self) -> dict[str, int]:
        """The consent versions the person saw (checked in clean())."""
        return read_started(self.cleaned_data["started"])[1]

    def full_clean(self):
        super().full_clean()
        attrs = self.fields["email"].widget.attrs
        attrs.pop("aria-describedby", None)
        if self.employer_email:  # the warning under the field describes it too
            # Django's own ids (<id>_helptext, <id>_error), then the warning's.
            described = self["email"].aria_describedby
            attrs["aria-describedby"] = f"{described} email-warning".strip()

    def consents(self) -> set[str]:
        kinds = {ConsentKind.FACTION} if self.cleaned_data.get("consent_faction") else set()
        if self.cleaned_data.get("consent_branch"):
            kinds.add(ConsentKind.BRANCH)
        return kinds

    @property
    def employer_email(self) -> bool:
        """Whether the address given is at an employer's domain (e.g. dwp.gov.uk)."""
        return conf.is_employer_address(getattr(self, "cleaned_data", {}).get("email", ""))

    @property
    def work_email_unconfirmed(self) -> bool:
        """A work address the person has not yet chosen to keep: warn before saving,
        because the confirmation email would go to an inbox their employer reads."""
        return self.employer_email and not self.cleaned_data.get("use_work_email")
