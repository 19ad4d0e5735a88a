"""Public forms: joining, and changing your details through your personal link.

They follow the GOV.UK patterns: a label above each field, a hint under it,
`autocomplete` attributes, messages that say how to fix the problem, and
`aria-describedby` tying hint and error to the field.
"""

import re
import time
from dataclasses import dataclass
from html import escape

from django import forms
from django.core import signing
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from members import conf
from members.consent import current_text, current_version
from members.models import Branch, BranchContactLink, ConsentKind, Group, Member
from members.services import Details

STARTED_SALT = "members.join.started"
MOBILE_RE = re.compile(r"^\+?[0-9 ()-]{10,20}$")


@dataclass(frozen=True)
class Structure:
    """What the branch picker offers: groups, branches under their group, and
    each branch's group (to check a group and branch chosen together)."""

    groups: list
    branches: list
    group_of_branch: dict[int, int]


class Normalised(BaseChoiceIterator):
    """Choices already as Django keeps them: (value, label) and (group, [...]).

    Given a list, Django normalises it again, walking all 1,000 branches once
    for the field and once for its widget on every join form; an iterator of
    this kind it takes as it is.
    """

    def __init__(self, choices: list):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


def structure_choices() -> Structure:
    """Groups for one <select>, branches grouped by group for another: one query,
    which keeps the groups that have no branch in our list yet."""
    rows = Group.objects.order_by("name", "pk", "branches__name", "branches__pk").values_list(
        "pk", "name", "branches__pk", "branches__name", "branches__code"
    )
    groups: dict[int, str] = {}
    by_group: dict[int, list] = {}
    group_of_branch = {}
    for group_id, group_name, pk, name, code in rows:
        groups[group_id] = group_name
        options = by_group.setdefault(group_id, [])
        if pk is not None:
            options.append((pk, f"{name} ({code})"))
            group_of_branch[pk] = group_id
    return Structure(
        groups=[("", "Choose your union group"), *groups.items()],
        branches=[
            ("", "Choose your branch"),
            *((groups[g], options) for g, options in by_group.items() if options),
        ],
        group_of_branch=group_of_branch,
    )


class BranchSelect(forms.Select):
    """A <select> of every branch, rendered in Python.

    Django renders each <option> through a template: for 1,000 branches that
    was about 300 ms of every join form. This builds the same HTML directly.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}

        def option(val, label):
            # html.escape is what django.utils.html.escape runs, without its
            # lazy-string wrapper: a thousand times a page, that wrapper showed.
            val = str(val)
            selected = " selected" if val in chosen else ""
            return f'<option value="{escape(val)}"{selected}>{escape(str(label))}</option>'

        parts = [format_html("<select{}>", flatatt(final))]
        for key, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{escape(str(key))}">')
                parts.extend(option(v, text) for v, text in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(key, label))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


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


class GovukFormMixin:
    """Set aria-describedby / aria-invalid, and list errors for the summary."""

    def _decorate(self):
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            described = [f"{name}-hint"] if field.help_text else []
            if name in self.errors:
                described.append(f"{name}-error")
                attrs["aria-invalid"] = "true"
            if described:
                attrs["aria-describedby"] = " ".join(described)

    def full_clean(self):
        super().full_clean()
        self._decorate()

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the summary at the top of the page."""
        items = [(self.summary_anchor, str(e)) for e in self.non_field_errors()]
        for name in self.fields:  # in the order of the page, as GOV.UK does
            errors = self.errors.get(name)
            if not errors:
                continue
            widget = self.fields[name].widget
            anchor = f"id_{name}_0" if isinstance(widget, forms.RadioSelect) else f"id_{name}"
            items.extend((anchor, str(e)) for e in errors)
        return items


class DetailsForm(GovukFormMixin, forms.Form):
    summary_anchor = "id_name"

    name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={
            "required": "Enter your full name",
            "max_length": "Full name must be 200 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label="Mobile number (optional)",
        required=False,
        max_length=20,
        help_text="For text reminders about meetings and ballots. We never share it.",
        error_messages={"max_length": "Enter a mobile number, like 07700 900 982"},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    branch = forms.TypedChoiceField(
        label="Branch",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Branches are listed under their union group.",
        error_messages={"invalid_choice": "Choose your branch from the list"},
        widget=BranchSelect(attrs={"data-typeahead": "branch"}),
    )
    branch_not_listed = forms.CharField(
        label="My branch is not listed",
        required=False,
        max_length=200,
        help_text="If your branch is not in the list, type its name or code here.",
        error_messages={"max_length": "Branch name must be 200 characters or fewer"},
    )
    group = forms.TypedChoiceField(
        label="Union group of your branch",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="For example DWP or HMRC. We need it if your branch is not listed; "
        "if you chose your branch from the list, you can leave this.",
        error_messages={"invalid_choice": "Choose your union group from the list"},
        widget=BranchSelect,
    )
    workplace = forms.CharField(
        label="Workplace (optional)",
        required=False,
        max_length=200,
        help_text="The office or site you work at, for example 'Jobcentre, Leeds'.",
        error_messages={"max_length": "Workplace must be 200 characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    grade = forms.ChoiceField(
        label="Grade",
        choices=[("", "Choose your grade"), *Member.Grade.choices],
        error_messages={
            "required": "Choose your grade, or 'Other'",
            "invalid_choice": "Choose your grade from the list",
        },
    )
    is_union_member = forms.TypedChoiceField(
        label="Are you a member of the union already?",
        choices=[("yes", "Yes"), ("no", "No, not yet")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if you are a member of the union already",
            "invalid_choice": "Select yes or no",
        },
    )
    is_rep = forms.BooleanField(label="I am a union rep", required=False)

    def __init__(self, *args, structure: Structure | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.structure = structure if structure is not None else structure_choices()
        self.fields["group"].choices = Normalised(self.structure.groups)
        self.fields["branch"].choices = Normalised(self.structure.branches)

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"].strip()
        if mobile and not MOBILE_RE.match(mobile):
            raise forms.ValidationError("Enter a mobile number, like 07700 900 982")
        return mobile

    def clean(self):
        data = super().clean()
        if "branch" in self.errors or "group" in self.errors:
            return data
        branch, group = data.get("branch"), data.get("group")
        if branch is None and not data.get("branch_not_listed", "x"):
            self.add_error(
                "branch",
                "Choose your branch, or if it is not in the list type its name "
                "in 'My branch is not listed'",
            )
        elif branch is not None:
            branch_group = self.structure.group_of_branch.get(branch)
            if group is not None and branch_group is not None and group != branch_group:
                names = dict(self.structure.groups[1:])
                self.add_error(
                    "group",
                    f"The branch you chose is in {names.get(branch_group, 'another group')}, "
                    f"not {names.get(group, 'this group')}: choose "
                    f"{names.get(branch_group, 'its group')} here, or choose another branch",
                )
            else:
                data["group"] = branch_group
        elif group is None and "branch_not_listed" not in self.errors:
            self.add_error(
                "group",
                "Choose your union group: we need it when your branch is not in the list",
            )
        return data

    def details(self) -> Details:
        data = self.cleaned_data
        branch = (
            Branch.objects.filter(pk=data["branch"]).first() if data["branch"] is not None else None
        )
        group = (  # with a branch, the branch's group is the member's
            Group.objects.filter(pk=data["group"]).first()
            if branch is None and data["group"] is not None
            else None
        )
        return Details(
            name=data["name"],
            mobile=data["mobile"],
            group=group,
            branch=branch,
            branch_not_listed=data["branch_not_listed"],
            workplace=data["workplace"],
            grade=data["grade"],
            is_rep=data["is_rep"],
            is_union_member=data["is_union_member"],
        )

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        return {
            "name": member.name,
            "mobile": member.mobile,
            "group": member.group_id,
            "branch": member.branch_id,
            "branch_not_listed": member.branch_not_listed,
            "workplace": member.workplace.name if member.workplace else member.workplace_not_listed,
            "grade": member.grade,
            "is_union_member": "yes" if member.is_union_member else "no",
            "is_rep": member.is_rep,
        }


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
    def started_value(self) -> str:
        """The token to render: the time sent if still valid (else now), and the
        wordings this page shows now."""
        started = read_started(self.data.get("started")) if self.is_bound else None
        return started_token(shown_at=started[0] if started else None)

    def error_summary(self) -> list[tuple[str, str]]:
        # "The wording has changed" leads to the words to read again.
        return [
            ("id_consent_faction" if message == self.WORDING_CHANGED else anchor, message)
            for anchor, message in super().error_summary()
        ]

    def consent_versions(self) -> dict[str, int]:
        """The consent versions the person saw (checked in clean())."""
        return read_started(self.cleaned_data["started"])[1]

    def _decorate(self):
        super()._decorate()
        if self.employer_email:  # the warning under the field describes it too
            attrs = self.fields["email"].widget.attrs
            attrs["aria-describedby"] = f"{attrs.get('aria-describedby', '')} email-warning".strip()

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


class ContactLinkForm(forms.ModelForm):
    """The organiser's form to send a branch contact their link."""

    days = forms.IntegerField(
        label="Link works for (days)",
        min_value=1,
        max_value=180,
        initial=60,
        help_text="After this the link stops working; you can withdraw it sooner.",
    )

    class Meta:
        model = BranchContactLink
        fields = ["branch", "contact_name", "email"]
