"""The permission matrix: every admin page, as every role, against two worlds.

World A is in scope for the group and regional organisers under test; world B
(another group and another region) is not. For every model registered in
``admin.site`` that reaches a Branch or a Group through its foreign keys, one
object is built in each world (with the app's own factory), and the test walks:
the change list (plain, searched, counted), the change, history and delete
views, every admin action (exports included), every extra admin URL the model
admin adds (dashboards, imports, grids, exports), and the autocomplete endpoint.
Out-of-scope objects must be 404 and must never show up. Every organiser is
given every model permission, so the scoping layer is the only thing that can
hide an object; anonymous visitors only ever reach the login page. What each
role may do without those extra permissions is ``test_role_table.py``.

New models are picked up by themselves when they are registered in the admin
and have a factory in ``tests/<app>/factories.py``.
"""

import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import factory
import pytest
from django.contrib import admin
from django.db import models
from django.urls import NoReverseMatch, reverse

from members.models import Branch, Group, Region, User
from tests.factories import BranchFactory
from tests.members.permissions.worlds import ROLES, World, content, organiser
from tests.two_factor import verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

TESTS = Path(__file__).resolve().parents[2]
DEFAULT_VIEWS = {"changelist", "add", "history", "delete", "change", "autocomplete"}


# Discovery -------------------------------------------------------------------


def _factories() -> dict:
    """Map each model to the first factory found for it in tests/**/factories.py."""
    found = {}
    modules = ["tests.factories"] + [
        f"tests.{p.parent.name}.factories" for p in sorted(TESTS.glob("*/factories.py"))
    ]
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, factory.django.DjangoModelFactory) and obj._meta.model:
                found.setdefault(obj._meta.model, obj)
    return found


def _scope_paths(model, depth=4, prefix="", seen=()) -> list[tuple[str, type]]:
    """Return the foreign-key paths from `model` to Branch, Group or Region.

    A path that reaches Branch stops there (the branch carries its group and
    region), so "branch" is returned but not "branch__group".
    """
    paths = []
    if depth == 0:
        return paths
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            continue
        target = field.related_model
        path = f"{prefix}{field.name}"
        if target in (Branch, Group, Region):
            paths.append((path, target))
        elif target not in seen and target is not User and target is not model:
            paths += _scope_paths(target, depth - 1, f"{path}__", (*seen, model))
    return paths


@dataclass
class Subject:
    model: type
    model_admin: admin.ModelAdmin
    paths: list  # [(path, target model)], empty for Branch itself
    factory: type | None

    @property
    def label(self):
        return self.model._meta.label_lower

    def __str__(self):
        return self.label


def _subjects():
    factories = _factories()
    subjects = []
    for model, model_admin in admin.site._registry.items():
        if model is User:
            # Organiser accounts belong to no branch: the whole admin is for
            # national organisers (national_only; test_role_table.py).
            continue
        if model is Branch:
            subjects.append(Subject(model, model_admin, [], BranchFactory))
            continue
        paths = _scope_paths(model)
        if paths:
            subjects.append(Subject(model, model_admin, paths, factories.get(model)))
    return sorted(subjects, key=lambda s: s.label)


SUBJECTS = _subjects()


def test_matrix_covers_the_personal_data():
    """The matrix finds at least members, branches and every app's scoped models."""
    labels = {s.label for s in SUBJECTS}
    assert {"members.member", "members.branch"} <= labels
    missing = [s.label for s in SUBJECTS if s.factory is None]
    assert len(missing) < len(SUBJECTS) / 2, f"scoped models with no factory: {missing}"


# Building objects in a world -------------------------------------------------


def _build(subject: Subject, world: World):
    """Build one object of the subject's model that lives wholly in `world`."""
    if subject.model is Branch:
        return world.branch
    if subject.factory is None:
        pytest.skip(f"no factory for {subject.label}: add one in tests/<app>/factories.py")
    kwargs = {}
    for path, target in subject.paths:
        if any(path.startswith(p + "__") for p in kwargs):
            continue  # set through a parent already built in this world
        buildable = _buildable(subject.factory, subject.model, path)
        if buildable == "optional":
            continue  # left empty, or derived from a link set here
        if buildable == "no":
            pytest.skip(f"{subject.factory.__name__} cannot build {path}")
        kwargs[path] = {Branch: world.branch, Group: world.group, Region: world.region}[target]
    try:
        return subject.factory(**kwargs)
    except (TypeError, AttributeError, ValueError) as exc:  # a path the factory cannot take
        pytest.skip(f"cannot build {subject.label} in a world through its factory: {exc}")


def _buildable(model_factory, model, path: str) -> str:
    """Whether factory_boy can set `path` through the factory's SubFactories."""
    for seg in path.split("__")[:-1]:
        field = model._meta.get_field(seg)
        declaration = model_factory._meta.declarations.get(seg) if model_factory else None
        if declaration is not None and not isinstance(declaration, factory.SubFactory):
            return "optional"  # derived by the factory from another field (LazyAttribute)
        if declaration is None:
            return "optional" if field.null else "no"
        model_factory, model = declaration.get_factory(), field.related_model
    return "ok"


def _markers(obj, other) -> list[str]:
    """Strings that identify `obj` on a page and that `other` does not contain."""
    opts = obj._meta
    found = [reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])]
    other_values = " ".join(
        str(getattr(other, f.attname, "")) for f in opts.concrete_fields if not f.is_relation
    )
    for field in opts.concrete_fields:
        if field.is_relation or field.choices or not isinstance(field, models.CharField):
            continue
        value = str(getattr(obj, field.attname) or "")
        if len(value) >= 5 and re.search(r"[\d@]", value) and value not in other_values:
            found.append(value)
    return found


def _assert_absent(response, markers, where):
    assert response.status_code != 500, f"{where}: server error"
    if response.status_code in (301, 302, 403, 404, 405):
        return
    body = content(response)
    for marker in markers:
        assert marker not in body, f"{where}: out-of-scope {marker!r} shown"


def _url(subject, view, *args):
    opts = subject.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


# The matrix --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["group", "regional", "editor"])
@pytest.mark.parametrize("subject", SUBJECTS, ids=str)
def test_out_of_scope_objects_are_404_and_never_listed(client, worlds, role, subject):
    """Lists, counts, search, change/history/delete views never reveal world B."""
    a, b = worlds
    obj_a, obj_b = _build(subject, a), _build(subject, b)
    verified_login(client, organiser(role, a))
    markers = _markers(obj_b, obj_a)

    listing = client.get(_url(subject, "changelist"))
    assert listing.status_code in (200, 403), listing.status_code
    _assert_absent(listing, markers, "change list")
    if listing.status_code == 200 and listing.context and "cl" in listing.context:
        cl = listing.context["cl"]
        assert not cl.root_queryset.filter(pk=obj_b.pk).exists(), "counted in the change list"
        if role == "group":
            # Not vacuous: the same page does show world A to its organiser.
            assert cl.root_queryset.filter(pk=obj_a.pk).exists(), "in-scope object missing"
    for marker in markers[1:]:
        searched = client.get(_url(subject, "changelist"), {"q": marker})
        # The page echoes the search term back, so look for B's other markers.
        _assert_absent(searched, [m for m in markers if m != marker], f"search for {marker!r}")
        if searched.status_code == 200 and searched.context and "cl" in searched.context:
            assert obj_b.pk not in {o.pk for o in searched.context["cl"].result_list}

    for view in ["change", "history", "delete"]:
        try:
            url = _url(subject, view, obj_b.pk)
        except NoReverseMatch:
            continue
        response = client.get(url)
        assert response.status_code in (403, 404), f"{view} view: {response.status_code}"
    response = client.post(_url(subject, "delete", obj_b.pk), {"post": "yes"})
    assert response.status_code in (403, 404)
    assert subject.model.objects.filter(pk=obj_b.pk).exists()


@pytest.mark.parametrize("role", ["group", "regional", "editor"])
@pytest.mark.parametrize("subject", SUBJECTS, ids=str)
def test_actions_and_exports_leave_out_world_b(client, worlds, role, subject):
    """Every admin action (exports, delete confirmation) acts only on objects in scope,
    even when world B's id is posted."""
    a, b = worlds
    obj_a, obj_b = _build(subject, a), _build(subject, b)
    user = organiser(role, a)
    verified_login(client, user)
    markers = _markers(obj_b, obj_a)
    request = _request_for(user)
    actions = subject.model_admin.get_actions(request)
    for name in actions:
        response = client.post(
            _url(subject, "changelist"),
            {"action": name, "_selected_action": [obj_a.pk, obj_b.pk], "index": 0},
        )
        _assert_absent(response, markers, f"action {name}")
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


@pytest.mark.parametrize("role", ["group", "regional", "editor"])
@pytest.mark.parametrize(("subject", "name"), EXTRA, ids=[f"{s}:{n}" for s, n in EXTRA])
def test_extra_admin_pages_hide_world_b(client, worlds, role, subject, name):
    """Dashboards, grids, imports and exports a model admin adds never show world B,
    and those that take an object id answer 404 for world B's object."""
    a, b = worlds
    obj_a, obj_b = _build(subject, a), _build(subject, b)
    verified_login(client, organiser(role, a))
    markers = _markers(obj_b, obj_a)
    try:
        url = reverse(f"admin:{name}")
        takes_id = False
    except NoReverseMatch:
        url = reverse(f"admin:{name}", args=[obj_b.pk])
        takes_id = True
    response = client.get(url)
    _assert_absent(response, markers, name)
    if takes_id:
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


@pytest.mark.parametrize("role", ["group", "regional", "editor"])
@pytest.mark.parametrize(
    ("source", "field_name", "target"),
    AUTOCOMPLETE,
    ids=[f"{s._meta.label_lower}.{f}" for s, f, _ in AUTOCOMPLETE],
)
def test_autocomplete_never_offers_world_b(client, worlds, role, source, field_name, target):
    """The select boxes' search endpoint offers only objects in scope."""
    a, b = worlds
    obj_a, obj_b = _build(target, a), _build(target, b)
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
    obj_a, obj_b = _build(subject, a), _build(subject, b)
    user = organiser("national", a)
    verified_login(client, user)
    for obj in (obj_a, obj_b):
        response = client.get(_url(subject, "change", obj.pk))
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


@pytest.mark.parametrize("role", ["group", "regional", "editor"])
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
