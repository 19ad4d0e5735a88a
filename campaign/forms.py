"""Forms for branch contacts and organisers. Rules come from campaign.rules and
campaign.services so the form, the admin and the importer say the same thing."""

import datetime

from django import forms
from django.utils import timezone

from campaign import rules
from campaign.models import Election
from campaign.services import Entry


class AgmDateForm(forms.Form):
    """A branch contact sets (or moves) their branch AGM."""

    date = forms.DateField(
        label="Date of your branch AGM",
        help_text="For example, 14/02/2027",
        input_formats=["%d/%m/%Y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"],
        widget=forms.DateInput(
            attrs={"autocomplete": "off", "inputmode": "numeric"}, format="%d/%m/%Y"
        ),
        error_messages={
            "required": "Enter the date of your branch AGM",
            "invalid": "Enter the date as day/month/year, for example 14/02/2027",
        },
    )
    place = forms.CharField(
        label="Where it will be held",
        help_text="Optional: the office, room or online",
        max_length=200,
        required=False,
    )

    def __init__(self, *args, election: Election, **kwargs):
        self.election = election
        super().__init__(*args, **kwargs)

    def clean_date(self):
        date = self.cleaned_data["date"]
        e = self.election
        if not (e.agm_window_start <= date <= e.agm_window_end):
            raise forms.ValidationError(
                f"The AGM must be between {e.agm_window_start:%-d %B %Y} and "
                f"{e.agm_window_end:%-d %B %Y} to nominate in {e.name}"
            )
        return date


class NominationsForm(forms.Form):
    """Who one meeting nominated, position by position: ours ticked, others typed."""

    def __init__(self, *args, positions, current=(), **kwargs):
        self.positions = list(positions)
        initial = kwargs.pop("initial", None) or {}
        for n in current:
            if n.candidate_id:
                initial.setdefault(f"pos_{n.position_id}", []).append(n.candidate_id)
            else:
                key = f"other_{n.position_id}"
                initial[key] = (initial.get(key, "") + "\n" + n.other_name).strip()
        super().__init__(*args, initial=initial, **kwargs)
        for p in self.positions:
            seats = f"{p.seats} seat{'s' if p.seats != 1 else ''}"
            self.fields[f"pos_{p.pk}"] = forms.TypedMultipleChoiceField(
                label=f"{p.title}: our candidates nominated",
                help_text=f"Tick each one the meeting nominated ({seats})",
                choices=[(c.pk, c.name) for c in p.candidates.all()],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"other_{p.pk}"] = forms.CharField(
                label=f"{p.title}: other candidates nominated",
                help_text="Anyone else the meeting nominated, one name a line",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def position_fields(self):
        """Yield (position, our-candidates field, others field) for the template."""
        for p in self.positions:
            yield p, self[f"pos_{p.pk}"], self[f"other_{p.pk}"]

    def clean(self):
        cleaned = super().clean()
        self.entries = []
        for p in self.positions:
            by_id = {c.pk: c for c in p.candidates.all()}
            ours = [by_id[pk] for pk in cleaned.get(f"pos_{p.pk}", []) if pk in by_id]
            names = []
            for line in (cleaned.get(f"other_{p.pk}") or "").splitlines():
                name = " ".join(line.split())
                if not name:
                    continue
                if len(name) > 200:
                    self.add_error(f"other_{p.pk}", "Each name must be 200 characters or fewer")
                    break
                if name.casefold() in {c.name.casefold() for c in ours} | {
                    n.casefold() for n in names
                }:
                    self.add_error(f"other_{p.pk}", f"{name} is listed twice for {p.title}")
                    break
                names.append(name)
            if len(ours) + len(names) > p.seats:
                self.add_error(f"pos_{p.pk}", rules.seats_message(p))
            self.entries += [Entry(position=p, candidate=c) for c in ours]
            self.entries += [Entry(position=p, other_name=n) for n in names]
        return cleaned


class ReporterForm(forms.Form):
    reported_by = forms.CharField(
        label="Your name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your name"},
    )


class AgmImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file of AGM dates",
        help_text="Columns: branch_code, date (2027-02-14 or 14/02/2027), place (optional)",
        error_messages={"required": "Choose a CSV file"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is too large: the limit is 2 MB")
        return upload


def today() -> datetime.date:
    return timezone.localdate()
