"""The organiser's forms: compose a broadcast, and send it now or at a time."""

from django import forms
from django.utils import timezone

from members.broadcasts.rendering import MERGE_FIELDS, unknown_fields
from members.models import Branch, Broadcast, Group, Member, Region
from members.scoping import scope_for

MERGE_HELP = "Only " + " and ".join(f"{{{{ {f} }}}}" for f in MERGE_FIELDS) + " can be merged"


class BroadcastForm(forms.ModelForm):
    """Subject, Markdown body and the audience filters, offered only within the scope."""

    audience_grades = forms.MultipleChoiceField(
        label="Grades",
        choices=Member.Grade.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every grade.",
    )

    class Meta:
        model = Broadcast
        fields = [
            "subject",
            "body",
            "consent",
            "reply_to",
            "audience_group",
            "audience_region",
            "audience_branch",
            "audience_grades",
            "audience_reps_only",
            "audience_joined_since",
        ]
        widgets = {"audience_joined_since": forms.DateInput(attrs={"type": "date"})}

    # Set by the admin (ModelAdmin.get_form) to the organiser using the form.
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(self.user)
        groups, regions = Group.objects.all(), Region.objects.all()
        if scope.kind == "group":
            groups = groups.filter(pk=scope.group_id)
        elif scope.kind == "region":
            regions = regions.filter(pk=scope.region_id)
        elif scope.kind == "nothing":
            groups, regions = groups.none(), regions.none()
        fields = self.fields
        if "audience_group" in fields:
            fields["audience_group"].queryset = groups
            fields["audience_region"].queryset = regions
            fields["audience_branch"].queryset = Branch.objects.visible_to(self.user)

    def clean(self):
        data = super().clean()
        unknown = unknown_fields(data.get("subject", ""), data.get("body", ""))
        if unknown:
            field = "body" if unknown_fields(data.get("body", "")) else "subject"
            self.add_error(field, f"{MERGE_HELP}, not {', '.join(unknown)}.")
        for name in ("subject", "body"):
            if name in data and not str(data[name]).strip():
                self.add_error(name, f"Enter the {name}.")
        since = data.get("audience_joined_since")
        if since and since > timezone.localdate():
            self.add_error("audience_joined_since", "The date must be today or in the past.")
        return data


class SendForm(forms.Form):
    """Send now, or at a time (a scheduled send)."""

    when = forms.ChoiceField(
        label="When",
        choices=[("now", "Now"), ("later", "At a time")],
        initial="now",
        widget=forms.RadioSelect,
    )
    send_at = forms.DateTimeField(
        label="Date and time",
        required=False,
        help_text="For example 2026-12-08 07:00 (UK time).",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            send_at = data.get("send_at")
            if send_at is None:
                self.add_error("send_at", "Enter the date and time to send it.")
            elif send_at <= timezone.now():
                self.add_error("send_at", "Choose a time in the future.")
        return data

    def send_at_or_none(self):
        return self.cleaned_data["send_at"] if self.cleaned_data["when"] == "later" else None
