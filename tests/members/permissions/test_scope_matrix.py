"""The permission matrix: every admin page, as every role, against another world.

World A is in scope for the group and regional organisers under test; the other
world shares half of A's scope (A's region for a group organiser, A's group for
a regional one; ``worlds.outside``), so a check on only one of group and region
shows up. For every model registered in ``admin.site`` that reaches a Branch or
a Group through its foreign keys, one object is built in each world (with the
app's own factory; ``matrix.py``), and the test walks: the change list (plain,
searched for each of B's strings, counted, as a raw-id popup, filtered by B's
branch or group id), the change, history and delete views of both objects,
every admin action (exports included), every extra admin URL the model admin
adds (dashboards, imports, grids, exports), and the autocomplete endpoint.
Out-of-scope objects must be 404 and must never show up, by their URL, their
text, or the labels of what they point at (a member's name, another region's
branch); and the walk must write nothing about them in the admin log or the
audit trail. Every organiser is given every model permission, so the scoping
layer is the only thing that can hide an object; anonymous visitors only ever
reach the login page. What each role may do without those extra permissions is
``test_role_table.py``; the policy at a glance is ``test_policy_table.py``.

New models are picked up by themselves when they are registered in the admin;
one that the factories cannot build in a world fails here.
"""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from members.models import Branch, Group, Region
from tests.members.permissions.matrix import (
    DEFAULT_VIEWS,
    SUBJECTS,
    assert_absent,
    assert_nothing_written_about,
    build,
    high_water,
    markers,
    url,
)
from tests.members.permissions.worlds import ROLES, organiser, outside
from tests.two_factor import verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]


def test_matrix_covers_the_personal_data():
    """The matrix finds members, branches and every app's scoped models, each with
    a factory (an admin the matrix cannot build is a hole, not a skip)."""
    labels = {s.label for s in SUBJECTS}
    assert {"members.member", "members.branch", "campaign.nomination"} <= labels
    assert [s.label for s in SUBJECTS if s.factory is None] == []


def _scope_objects(world):
    return {Branch: world.branch, Group: world.group, Region: world.region}


# The matrix --------------------------------------------------------------------

OUT_OF_SCOPE = ["group", "regional", "editor"]


@pytest.fixture
def walk(client, worlds, role, subject):
    """Build the subject in A and in the world outside `role`'s scope, log in as
    `role` of A, and check afterwards that the walk wrote nothing about B's object."""
    a = worlds[0]
    other = outside(role, a)
    obj_a, obj_b = build(subject, a), build(subject, other)
    user = organiser(role, a)
    verified_login(client, user)
    marks = markers(obj_b, obj_a)
    since = high_water()
    yield user, other, obj_a, obj_b, marks
    assert_nothing_written_about(obj_b, marks, *since)


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
@pytest.mark.parametrize("subject", SUBJECTS, ids=str)
def test_out_of_scope_objects_are_404_and_never_listed(client, walk, role, subject):
    """Lists (plain, searched, counted, as a raw-id popup, filtered by B's ids), and
    the change, history and delete views of A's object never reveal B's; B's own
    are 404 and cannot be deleted."""
    _, other, obj_a, obj_b, marks = walk
    listing = client.get(url(subject, "changelist"))
    assert listing.status_code in (200, 403), listing.status_code
    assert_absent(listing, marks, "change list")
    if listing.status_code == 200 and listing.context and "cl" in listing.context:
        cl = listing.context["cl"]
        assert not cl.root_queryset.filter(pk=obj_b.pk).exists(), "counted in the change list"
        if role == "group":
            # Not vacuous: the same page does show world A to its organiser.
            assert cl.root_queryset.filter(pk=obj_a.pk).exists(), "in-scope object missing"
    for marker in marks[1:]:
        searched = client.get(url(subject, "changelist"), {"q": marker})
        # The page echoes the search term back, so look for B's other markers.
        others = [m for m in marks if m not in marker]
        assert_absent(searched, others, f"search for {marker!r}")
        if searched.status_code == 200 and searched.context and "cl" in searched.context:
            assert obj_b.pk not in {o.pk for o in searched.context["cl"].result_list}
    popup = {"_popup": "1", "_to_field": subject.model._meta.pk.attname}
    assert_absent(client.get(url(subject, "changelist"), popup), marks, "raw-id popup")
    for path, target in subject.paths:
        scope_id = _scope_objects(other)[target].pk
        filtered = client.get(url(subject, "changelist"), {f"{path}__id__exact": scope_id})
        assert filtered.status_code in (200, 302, 400, 403), filtered.status_code
        assert_absent(filtered, marks, f"filtered by B's {path}")

    for view in ["change", "history", "delete"]:
        response = client.get(url(subject, view, obj_a.pk))
        assert_absent(response, marks, f"{view} page of A's object")
        response = client.get(url(subject, view, obj_b.pk))
        assert response.status_code in (403, 404), f"{view} view: {response.status_code}"
        response = client.get(url(subject, view, obj_b.pk), popup)
        assert response.status_code in (403, 404), f"{view} popup: {response.status_code}"
    response = client.post(url(subject, "delete", obj_b.pk), {"post": "yes"})
    assert response.status_code in (403, 404)
    assert subject.model.objects.filter(pk=obj_b.pk).exists()


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
@pytest.mark.parametrize("subject", SUBJECTS, ids=str)
def test_actions_and_exports_leave_out_world_b(client, walk, role, subject):
    """Every admin action (exports, delete confirmation) acts only on objects in scope,
    even when world B's id is posted."""
    user, _, obj_a, obj_b, marks = walk
    for name in subject.model_admin.get_actions(_request_for(user)):
        response = client.post(
            url(subject, "changelist"),
            {"action": name, "_selected_action": [obj_a.pk, obj_b.pk], "index": 0},
        )
        assert_absent(response, marks, f"action {name}")
        assert subject.model.objects.filter(pk=obj_b.pk).exists(), f"action {name} touched B"


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _extra_urls(subject):
    """The admin URLs a model admin adds beyond Django's own views."""
    extra = []
    for pattern in subject.model_admin.get_urls():
        name = getattr(pattern, "name", None) or ""
        opts = subject.model._meta
        if name.removeprefix(f"{opts.app_label}_{opts.model_name}_") in DEFAULT_VIEWS:
            continue
        if not name:
            continue
        extra.append(pattern)
    return extra


EXTRA = [(s, p.name) for s in SUBJECTS for p in _extra_urls(s)]


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
@pytest.mark.parametrize(("subject", "name"), EXTRA, ids=[f"{s}:{n}" for s, n in EXTRA])
def test_extra_admin_pages_hide_world_b(client, walk, role, subject, name):
    """Dashboards, grids, imports and exports a model admin adds never show world B,
    and those that take an object id answer 404 for world B's object."""
    _, _, obj_a, obj_b, marks = walk
    try:
        response = client.get(reverse(f"admin:{name}"))
        assert_absent(response, marks, name)
    except NoReverseMatch:
        assert_absent(client.get(reverse(f"admin:{name}", args=[obj_a.pk])), marks, name)
        response = client.get(reverse(f"admin:{name}", args=[obj_b.pk]))
        assert response.status_code in (302, 403, 404), f"{name} for B: {response.status_code}"


def _autocomplete_cases():
    cases = []
    for model, model_admin in admin.site._registry.items():
        sources = [(model, model_admin)]
        sources += [(i.model, i) for i in model_admin.inlines if hasattr(i, "autocomplete_fields")]
        for source_model, source in sources:
            for field_name in getattr(source, "autocomplete_fields", []) or []:
                target = source_model._meta.get_field(field_name).related_model
                hit = next((s for s in SUBJECTS if s.model is target), None)
                if hit is not None:
                    cases.append((source_model, field_name, hit))
    return cases


AUTOCOMPLETE = _autocomplete_cases()


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
@pytest.mark.parametrize(
    ("source", "field_name", "target"),
    AUTOCOMPLETE,
    ids=[f"{s._meta.label_lower}.{f}" for s, f, _ in AUTOCOMPLETE],
)
def test_autocomplete_never_offers_world_b(client, worlds, role, source, field_name, target):
    """The select boxes' search endpoint offers only objects in scope."""
    a = worlds[0]
    obj_a, obj_b = build(target, a), build(target, outside(role, a))
    verified_login(client, organiser(role, a))
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": source._meta.app_label,
            "model_name": source._meta.model_name,
            "field_name": field_name,
            "term": "",
        },
    )
    assert response.status_code in (200, 403), response.status_code
    if response.status_code == 200:
        ids = {r["id"] for r in response.json()["results"]}
        assert str(obj_b.pk) not in ids
        if role == "group":
            assert str(obj_a.pk) in ids


@pytest.mark.parametrize("subject", SUBJECTS, ids=str)
def test_national_organiser_sees_both_worlds(client, worlds, subject):
    """The national organiser sees everything: the matrix's objects are reachable."""
    a, b = worlds
    obj_a, obj_b = build(subject, a), build(subject, b)
    user = organiser("national", a)
    verified_login(client, user)
    for obj in (obj_a, obj_b):
        response = client.get(url(subject, "change", obj.pk))
        assert response.status_code == 200, response.status_code


ALL_ADMINS = sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label)


@pytest.mark.parametrize(
    "model", [m for m, _ in ALL_ADMINS], ids=[m._meta.label_lower for m, _ in ALL_ADMINS]
)
def test_anonymous_reaches_only_the_login_page(client, model):
    """Without a login every admin page redirects to the login page."""
    opts = model._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
def test_only_national_organisers_read_the_audit_trail(client, worlds, role):
    """The audit log of access to personal data is for national organisers only."""
    verified_login(client, organiser(role, worlds[0]))
    response = client.get(reverse("admin:members_auditevent_changelist"))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_open_the_admin_index(client, worlds, role):
    """The index (with its dashboards) opens for every role without an error."""
    verified_login(client, organiser(role, worlds[0]))
    assert client.get(reverse("admin:index")).status_code == 200
