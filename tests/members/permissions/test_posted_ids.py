"""Another scope's ids posted into the admin's add and change forms and its imports.

A page that hides world B can still be written into: a form posted by hand with
B's branch, group, region or election id, or a CSV naming B's branch codes.
Every such write must be refused (a form error, a line error, a 403 or 404)
and leave nothing behind, whatever permissions the organiser holds. The forms
are read as a browser would submit them (``matrix.form_data``), so the post is
otherwise valid and the scope is the only thing that can stop it.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ballots.models import BranchReadiness, TurnoutReturn
from campaign.models import BranchMeeting
from members.models import Branch, Group, Region
from tests.members.permissions.matrix import (
    SUBJECTS,
    assert_nothing_written_about,
    build,
    form_data,
    high_water,
    markers,
    url,
)
from tests.members.permissions.worlds import organiser, outside
from tests.two_factor import verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

SCOPE_MODELS = (Branch, Group, Region)


def _other_scope_ids(model, other) -> dict[str, int]:
    """The model's foreign keys to the structure, set to world `other`'s objects."""
    by_model = {Branch: other.branch, Group: other.group, Region: other.region}
    return {
        field.name: by_model[field.related_model].pk
        for field in model._meta.concrete_fields
        if field.many_to_one and field.related_model in SCOPE_MODELS
    }


def _form_subjects():
    """Subjects with a foreign key to a branch, group or region a form could set."""
    return [
        s
        for s in SUBJECTS
        if any(
            f.many_to_one and f.related_model in SCOPE_MODELS for f in s.model._meta.concrete_fields
        )
    ]


FORM_SUBJECTS = _form_subjects()


@pytest.mark.parametrize("role", ["group", "regional"])
@pytest.mark.parametrize("subject", FORM_SUBJECTS, ids=str)
def test_forms_refuse_another_scopes_ids(client, worlds, role, subject):
    """Posting B's branch, group or region into A's change form, or into the add
    form, changes nothing and adds nothing, with every permission held."""
    a = worlds[0]
    other = outside(role, a)
    obj_a, obj_b = build(subject, a), build(subject, other)
    verified_login(client, organiser(role, a))
    since = high_water()
    swapped = _other_scope_ids(subject.model, other)
    # Only a field B's scope owns can move an object out: a group the two worlds
    # share is in scope for both.
    swapped = {
        name: pk
        for name, pk in swapped.items()
        if pk != getattr(obj_a, subject.model._meta.get_field(name).attname)
    }
    before = subject.model.objects.count()

    form_id = f"{subject.model._meta.model_name}_form"
    change = client.get(url(subject, "change", obj_a.pk))
    assert change.status_code in (200, 403, 404), change.status_code  # 404: group-wide rows
    page = change if change.status_code == 200 else client.get(url(subject, "add"))
    data = form_data(page, form_id) if page.status_code == 200 else {}
    posted = {**data, **{name: [str(pk)] for name, pk in swapped.items()}}
    if change.status_code == 200:
        response = client.post(url(subject, "change", obj_a.pk), posted)
        assert response.status_code in (200, 302, 403), response.status_code
    obj_a.refresh_from_db()
    for name, pk in swapped.items():
        attname = subject.model._meta.get_field(name).attname
        assert getattr(obj_a, attname) != pk, f"{name} of A's object moved into B"

    response = client.post(url(subject, "add"), posted)
    assert response.status_code in (200, 302, 403), response.status_code
    assert subject.model.objects.count() == before, "an object was added under B's scope"
    assert_nothing_written_about(obj_b, markers(obj_b, obj_a), *since)


def _csv(text: str):
    return SimpleUploadedFile("rows.csv", text.encode(), content_type="text/csv")


def _ballot(world):
    from tests.ballots.factories import BallotFactory, BallotUnitFactory, UnitBranchFactory

    ballot = BallotFactory()
    unit = BallotUnitFactory(ballot=ballot, unit__group=world.group).unit
    UnitBranchFactory(unit=unit, branch=world.branch)
    return ballot


# (import URL, extra fields, CSV naming branch {code}, model that must gain no row)
IMPORTS = [
    (
        "campaign_branchmeeting_import",
        lambda world: {},
        "branch_code,date,place\n{code},2027-02-12,Hall\n",
        BranchMeeting,
    ),
    (
        "ballots_readiness_import",
        lambda world: {},
        "branch_code,taken_on,members,staff_in_post,with_email,with_mobile,with_contact,"
        "with_home_address,reps,advocates,meetings_held,ballot_committee\n"
        "{code},2026-03-20,80,120,60,50,70,75,2,1,1,yes\n",
        BranchReadiness,
    ),
    (
        "ballots_turnout_import",
        lambda world: {"ballot": _ballot(world).pk},  # A's own ballot, B's branch
        "branch_code,counted_on,voted\n{code},{today},10\n",
        TurnoutReturn,
    ),
    ("members_branch_import", lambda world: {}, "code,name,group,region\n{code},Taken,x,y\n", None),
]


@pytest.mark.parametrize("role", ["group", "regional"])
@pytest.mark.parametrize(("name", "fields", "rows", "model"), IMPORTS, ids=[i[0] for i in IMPORTS])
def test_imports_refuse_another_scopes_branch_codes(
    client, worlds, role, name, fields, rows, model
):
    """An import naming B's branch is refused line by line, and saves nothing."""
    a = worlds[0]
    other = outside(role, a)
    verified_login(client, organiser(role, a))
    text = rows.format(code=other.branch.code, today=datetime.date.today().isoformat())
    before = model.objects.count() if model else Branch.objects.count()
    response = client.post(reverse(f"admin:{name}"), {**fields(a), "file": _csv(text)})
    assert response.status_code in (200, 400, 403), response.status_code
    if response.status_code != 403:
        assert "Line 2" in response.content.decode()
    assert (model.objects.count() if model else Branch.objects.count()) == before
    other.branch.refresh_from_db()
    assert other.branch.name != "Taken"
