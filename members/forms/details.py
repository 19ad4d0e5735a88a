"""Your details: the form the manage page shows, which the join form extends.

It follows the GOV.UK patterns: a label above each field, a hint under it,
`autocomplete` attributes, and messages that say how to fix the problem.
templates/includes/field.html renders each field; Django ties hint and error to
it with `aria-describedby`; core.forms.error_summary lists the errors.
"""

import re
from dataclasses import dataclass
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.pagecache.fragments import versioned
from members.models import Branch, Group, Member
from members.services import Details

MOBILE_RE = re.compile(r"^\+?[0-9 ()-]{10,20}$")


@dataclass(frozen=True)
class Structure:
    """What the branch picker offers: groups, branches under their group, and
    each branch's group (to check a group and branch chosen together)."""

    groups: list
    branches: list
    group_of_branch: dict[int, int]
    # Their <option>s as HTML, none selected: built once with the structure.
    group_options: str = ""
    branch_options: str = ""


class Normalised(BaseChoiceIterator):
    """Choices already as Django keeps them: (value, label) and (group, [...]).

    Given a list, Django normalises it again, walking all 1,000 branches once
    for the field and once for its widget on every join form; an iterator of
    this kind it takes as it is.
    """

    def __init__(self, choices: list, options_html: str | None = None):
        self.choices = choices
        self.options_html = options_html  # BranchSelect's options, none selected

    def __iter__(self):
        return iter(self.choices)


def structure_choices() -> Structure:
    """Groups for one <select>, branches grouped by group for another.

    Built once per change to the union's structure in each process (the page
    cache's "structure" topic): the query alone took 8.6 ms of PostgreSQL on
    every join form at 1,000 branches.
    """
    return versioned("members:structure", ("structure",), _structure)


def _structure() -> Structure:
    """One query, which keeps the groups that have no branch in our list yet."""
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
    group_choices = [("", "Choose your union group"), *groups.items()]
    branch_choices = [
        ("", "Choose your branch"),
        *((groups[g], options) for g, options in by_group.items() if options),
    ]
    return Structure(
        groups=group_choices,
        branches=branch_choices,
        group_of_branch=group_of_branch,
        group_options=options_html(group_choices),
        branch_options=options_html(branch_choices),
    )


def _option(value, label) -> str:
    # html.escape is what django.utils.html.escape runs, without its lazy-string
    # wrapper: a thousand times a page, that wrapper showed.
    return f'<option value="{escape(str(value))}">{escape(str(label))}</option>'


def options_html(choices) -> str:
    """The <option>s (and <optgroup>s) of these choices, none selected."""
    parts = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            parts.append(f'<optgroup label="{escape(str(key))}">')
            parts.extend(_option(v, text) for v, text in label)
            parts.append("</optgroup>")
        else:
            parts.append(_option(key, label))
    return "".join(parts)


class BranchSelect(forms.Select):
    """A <select> of every branch, rendered in Python.

    Django renders each <option> through a template: for 1,000 branches that
    was about 300 ms of every join form. This builds the same HTML directly,
    from the options built with the structure when the choices carry them.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        options = getattr(self.choices, "options_html", None) or options_html(self.choices)
        for chosen in {str(v) for v in self.format_value(value)}:
            option = f'<option value="{escape(chosen)}">'
            options = options.replace(option, option[:-1] + " selected>", 1)
        select = format_html("<select{}>", flatatt(final))
        return mark_safe(f"{select}{options}</select>")  # noqa: S308 - options are escaped


class DetailsForm(forms.Form):
    """Your details: the manage page's form, and all of the join form but email and consent."""

    summary_field = "name"  # where the error summary sends errors about the whole form

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
        self.fields["group"].choices = Normalised(
            self.structure.groups, self.structure.group_options or None
        )
        self.fields["branch"].choices = Normalised(
            self.structure.branches, self.structure.branch_options or None
        )

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
