"""The organisers' forms in the admin."""

from django import forms

from members.models import BranchContactLink


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
