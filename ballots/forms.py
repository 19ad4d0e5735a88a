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


class ReadinessRowForm(forms.ModelForm):
    """One branch's figures on one date; the model's clean() holds the rules."""

    class Meta:
        model = BranchReadiness
        fields = ["taken_on", *READINESS_FIELDS]
        widgets = {"taken_on": forms.DateInput(attrs={"type": "date"})}


class TurnoutRowForm(forms.ModelForm):
    class Meta:
        model = TurnoutReturn
        fields = ["counted_on", "voted"]
        widgets = {"counted_on": forms.DateInput(attrs={"type": "date"})}


class GridDateForm(forms.Form):
    on = forms.DateField(
        label="Date of these figures",
        help_text="For example, 2026-03-14.",
        widget=forms.DateInput(attrs={"type": "date"}),
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
