"""Forms: one row of readiness or turnout (shared by admin grid, CSV import and links).

Every message says how to put the problem right, in the GOV.UK way ("Enter how
many members the branch has", "Members must be a whole number, like 120"), not
Django's defaults ("This field is required."). The forms read and check each
value; the rules between values (figures within the members, a count within
those entitled, dates within the ballot) are the models' clean(), which the
ModelForms run and which name the figures involved; the database constraints
stay the last word.
"""

import re

from django import forms
from django.utils.text import capfirst

from ballots.models import (
    Ballot,
    BallotUnit,
    BranchReadiness,
    StructureTestProgress,
    TurnoutReturn,
    format_count,
)

READINESS_FIELDS = [
    "members",
    "staff_in_post",
    "with_email",
    "with_mobile",
    "with_contact",
    "with_home_address",
    "reps",
    "advocates",
    "meetings_held",
    "ballot_committee",
]
COUNT_FIELDS = [f for f in READINESS_FIELDS if f != "ballot_committee"]
MAX_COUNT = 1_000_000  # no branch or unit is larger; far below the integer column's limit
DATE_EXAMPLE = "2026-03-14"


def date_messages(what: str, example: str = DATE_EXAMPLE) -> dict:
    """Messages for a date field; `what` completes "Enter the ..." ("date of the count")."""
    return {
        "required": f"Enter the {what}, for example {example}",
        "invalid": f"The {what} must be a real date, for example {example}",
    }


def count_messages(name: str, enter: str, example: int) -> dict:
    """Messages for a count: `name` starts a sentence, `enter` follows "Enter how many"."""
    return {
        "required": f"Enter how many {enter}",
        "invalid": f"{name} must be a whole number, like {example}",
        "min_value": f"{name} must be 0 or more",
        "max_value": f"{name} must be {format_count(MAX_COUNT)} or fewer",
    }


# Thousands written with commas or spaces ("1,200", "1 200"), but not "1 2" or "12,00".
GROUPED = re.compile(r"\d{1,3}(?:[, \u00a0\u202f]\d{3})+")


class CountField(forms.IntegerField):
    """A whole number typed as text: "1,200" and " 120 " are read as numbers.

    A text input (with a numeric keypad on phones) rather than type=number, as
    GOV.UK advises: browsers silently drop what a number input cannot parse, so the
    person would see an empty box instead of what they typed.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_COUNT)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if not isinstance(widget, forms.NumberInput):
            attrs.update({"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"})
        return attrs

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if GROUPED.fullmatch(value):
                value = re.sub(r"\D", "", value)
        return super().to_python(value)


class IsoDateInput(forms.DateInput):
    """A native date picker; it only understands ISO dates (2026-03-14)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# Per figure: what follows "Enter how many", and an example.
READINESS_WORDS = {
    "members": ("members the branch has", 120),
    "staff_in_post": ("staff are in post in the branch's area", 240),
    "with_email": ("members have a personal email", 85),
    "with_mobile": ("members have a mobile number", 70),
    "with_contact": ("members have a personal email or a mobile number", 95),
    "with_home_address": ("members have a home ballot address", 110),
    "reps": ("reps the branch has, or 0", 3),
    "advocates": ("workplace advocates the branch has, or 0", 5),
    "meetings_held": ("members' meetings have been held, or 0", 2),
}


def _readiness_messages(field: str) -> dict:
    name = capfirst(BranchReadiness._meta.get_field(field).verbose_name)
    return count_messages(name, *READINESS_WORDS[field])


class ReadinessRowForm(forms.ModelForm):
    """One branch's figures on one date (grid and CSV rows)."""

    class Meta:
        model = BranchReadiness
        fields = ["taken_on", *READINESS_FIELDS]
        widgets = {"taken_on": IsoDateInput()}
        field_classes = dict.fromkeys(COUNT_FIELDS, CountField)
        error_messages = {
            "taken_on": date_messages("date of these figures"),
            **{f: _readiness_messages(f) for f in READINESS_WORDS},
        }


class ReadinessAdminForm(ReadinessRowForm):
    """The admin's add form for one snapshot: a branch as well as the figures."""

    class Meta(ReadinessRowForm.Meta):
        fields = ["branch", "taken_on", *READINESS_FIELDS]
        error_messages = {
            **ReadinessRowForm.Meta.error_messages,
            "branch": {
                "required": "Choose the branch these figures are for",
                "invalid_choice": "Choose a branch from the list",
            },
        }


TURNOUT_MESSAGES = {
    "counted_on": date_messages("date of the count"),
    "voted": count_messages("Members who have voted", "members have voted so far", 45),
}


class TurnoutRowForm(forms.ModelForm):
    """One branch's count on one date; the instance brings the ballot and branch."""

    class Meta:
        model = TurnoutReturn
        fields = ["counted_on", "voted"]
        widgets = {"counted_on": IsoDateInput()}
        field_classes = {"voted": CountField}
        error_messages = TURNOUT_MESSAGES


class TurnoutAdminForm(TurnoutRowForm):
    """The admin's add form for one return: the ballot and branch as well."""

    class Meta(TurnoutRowForm.Meta):
        fields = ["ballot", "branch", "counted_on", "voted"]
        error_messages = {
            **TURNOUT_MESSAGES,
            "ballot": {
                "required": "Choose the ballot this count is for",
                "invalid_choice": "Choose a ballot from the list",
            },
            "branch": {
                "required": "Choose the branch this count is for",
                "invalid_choice": "Choose a branch from the list",
            },
        }


BALLOT_DATES = {
    "opens_on": ("date the ballot opens", "2027-03-01"),
    "closes_on": ("date the ballot closes", "2027-03-29"),
    "replacement_cutoff": ("last day to ask for a replacement paper", "2027-03-24"),
    "new_member_cutoff": ("date after which new members get no vote", "2027-02-15"),
    "notice_of_ballot_sent_on": ("date the employer received the notice of ballot", "2027-02-20"),
    "sample_paper_sent_on": ("date the employer received the sample paper", "2027-02-24"),
}


class BallotForm(forms.ModelForm):
    """The admin form for a ballot."""

    class Meta:
        model = Ballot
        fields = [  # the units are set through the inline
            "name",
            "kind",
            "opens_on",
            "closes_on",
            "replacement_cutoff",
            "new_member_cutoff",
            "notice_of_ballot_sent_on",
            "sample_paper_sent_on",
            "by_agreement",
        ]
        error_messages = {
            "name": {"required": "Enter the ballot's name, for example Pay ballot 2027"},
            "kind": {"required": "Choose whether the ballot is consultative or statutory"},
            **{f: date_messages(*words) for f, words in BALLOT_DATES.items()},
        }


class BallotUnitForm(forms.ModelForm):
    """A unit in a ballot, with those entitled to vote."""

    class Meta:
        model = BallotUnit
        fields = ["unit", "entitled"]
        field_classes = {"entitled": CountField}
        error_messages = {
            "unit": {
                "required": "Choose the bargaining unit",
                "invalid_choice": "Choose a bargaining unit from the list",
            },
            "entitled": count_messages(
                "Members entitled to vote", "members are entitled to vote in this unit", 1200
            ),
        }


class GridDateForm(forms.Form):
    on = forms.DateField(
        label="Date of these figures",
        help_text=f"For example, {DATE_EXAMPLE}.",
        widget=IsoDateInput(),
        error_messages=date_messages("date of these figures"),
    )


CSV_MAX_BYTES = 2 * 1024 * 1024


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, with a header row. At most 2 MB.",
        error_messages={
            "required": "Select a CSV file",
            "missing": "Select a CSV file",
            "invalid": "Select a CSV file",
            "empty": "The selected file is empty",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 2 MB")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "The selected file must be a CSV saved as UTF-8. In your spreadsheet, "
                "choose Save as, then CSV UTF-8"
            ) from exc


class TurnoutCsvForm(CsvUploadForm):
    ballot = forms.ModelChoiceField(
        queryset=Ballot.objects.none(),
        label="Ballot",
        error_messages={
            "required": "Choose the ballot these counts are for",
            "invalid_choice": "Choose a ballot from the list",
        },
    )
    field_order = ["ballot", "file"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ballot"].queryset = Ballot.objects.visible_to(user)


COUNT_INPUT = {"class": "bl-num"}


class ContactReadinessForm(forms.ModelForm):
    """The readiness form a branch contact fills in (the same rules as every route)."""

    class Meta(ReadinessRowForm.Meta):
        labels = {"taken_on": "Date of these figures"}
        help_texts = {
            "taken_on": f"For example, {DATE_EXAMPLE}.",
            "members": "Union members in the branch.",
            "staff_in_post": "Everyone employed in the branch's area. Leave empty if unknown.",
            "with_email": "Members whose personal (not work) email we hold.",
            "with_contact": "Count each member once, whether we have an email, a mobile or both.",
            "with_home_address": "Members whose ballot paper goes to their home.",
        }
        widgets = {
            "taken_on": IsoDateInput(),
            **{f: forms.TextInput(attrs=COUNT_INPUT) for f in COUNT_FIELDS},
        }


class ContactProgressForm(forms.ModelForm):
    """A branch contact's progress towards one of their branch's structure tests, today."""

    class Meta:
        model = StructureTestProgress
        fields = ["done", "out_of"]
        labels = {"done": "Members who have done it so far", "out_of": "Members it applies to"}
        widgets = {f: forms.TextInput(attrs=COUNT_INPUT) for f in ("done", "out_of")}


class ContactTurnoutForm(forms.Form):
    counted_on = forms.DateField(
        label="Date of the count",
        help_text=f"For example, {DATE_EXAMPLE}.",
        widget=IsoDateInput(),
        error_messages=TURNOUT_MESSAGES["counted_on"],
    )
    voted = CountField(
        label="Members who have told you they voted, in total so far",
        widget=forms.TextInput(attrs=COUNT_INPUT),
        error_messages=count_messages(
            "Members who have voted", "members have told you they voted", 45
        ),
    )

    def data_for_row(self) -> dict:
        return {
            "counted_on": self.cleaned_data["counted_on"].isoformat(),
            "voted": str(self.cleaned_data["voted"]),
        }
