"""Forms: one row of readiness or turnout (shared by admin grid, CSV import and links)."""

from django import forms

from ballots.models import Ballot, BranchReadiness, TurnoutReturn

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


class IsoDateInput(forms.DateInput):
    """A native date picker; it only understands ISO dates (2026-03-14)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ReadinessRowForm(forms.ModelForm):
    """One branch's figures on one date; the model's clean() holds the rules."""

    class Meta:
        model = BranchReadiness
        fields = ["taken_on", *READINESS_FIELDS]
        widgets = {"taken_on": IsoDateInput()}


class TurnoutRowForm(forms.ModelForm):
    class Meta:
        model = TurnoutReturn
        fields = ["counted_on", "voted"]
        widgets = {"counted_on": IsoDateInput()}


class GridDateForm(forms.Form):
    on = forms.DateField(
        label="Date of these figures",
        help_text="For example, 2026-03-14.",
        widget=IsoDateInput(),
    )


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, with a header row. At most 2 MB.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "The file is not UTF-8 text. Save it as CSV UTF-8."
            ) from exc


class TurnoutCsvForm(CsvUploadForm):
    ballot = forms.ModelChoiceField(queryset=Ballot.objects.none(), label="Ballot")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ballot"].queryset = Ballot.objects.visible_to(user)


class ContactReadinessForm(forms.ModelForm):
    """The readiness form a branch contact fills in (the same model rules apply)."""

    class Meta:
        model = BranchReadiness
        fields = ["taken_on", *READINESS_FIELDS]
        labels = {"taken_on": "Date of these figures"}
        help_texts = {
            "taken_on": "For example, 2026-03-14.",
            "members": "Union members in the branch.",
            "staff_in_post": "Everyone employed in the branch's area. Leave empty if unknown.",
            "with_email": "Members whose personal (not work) email we hold.",
            "with_contact": "Count each member once, whether we have an email, a mobile or both.",
            "with_home_address": "Members whose ballot paper goes to their home.",
        }
        widgets = {
            "taken_on": IsoDateInput(),
            **{
                f: forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "class": "bl-num"})
                for f in READINESS_FIELDS
                if f != "ballot_committee"
            },
        }


class ContactTurnoutForm(forms.Form):
    counted_on = forms.DateField(
        label="Date of the count",
        help_text="For example, 2026-03-14.",
        widget=IsoDateInput(),
    )
    voted = forms.IntegerField(
        label="Members who have told you they voted, in total so far",
        min_value=0,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "bl-num"}),
    )

    def data_for_row(self) -> dict:
        return {
            "counted_on": self.cleaned_data["counted_on"].isoformat(),
            "voted": str(self.cleaned_data["voted"]),
        }
