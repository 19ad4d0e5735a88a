"""The reflective half of the permission matrix: which admins to walk, how to build
their objects in a world, what would give another world's object away on a page,
and what a walk may have written.

Every model registered in ``admin.site`` that reaches a Branch, Group or Region
through its foreign keys is a subject. Its objects are built with the app's own
factory (``tests/<app>/factories.py``); a subject the factories cannot build in
a world fails the matrix instead of being skipped, so no admin is left unwalked.
"""

import html
import importlib
import inspect
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import factory
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from members.models import AuditEvent, Branch, Group, Region, User
from tests.factories import BranchFactory
from tests.members.permissions.worlds import World, content

TESTS = Path(__file__).resolve().parents[2]
DEFAULT_VIEWS = {"changelist", "add", "history", "delete", "change", "autocomplete"}
OUR_APPS = {"articles", "ballots", "campaign", "members"}


# Discovery -------------------------------------------------------------------


def _factories() -> dict:
    """Map each model to the first factory found for it in tests/**/factories.py."""
    found = {}
    modules = ["tests.factories"] + [
        f"tests.{p.parent.name}.factories" for p in sorted(TESTS.glob("*/factories.py"))
    ]
    for name in modules:
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, factory.django.DjangoModelFactory) and obj._meta.model:
                found.setdefault(obj._meta.model, obj)
    return found


def scope_paths(model, depth=4, prefix="", seen=()) -> list[tuple[str, type]]:
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
            paths += scope_paths(target, depth - 1, f"{path}__", (*seen, model))
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
        paths = scope_paths(model)
        if paths:
            subjects.append(Subject(model, model_admin, paths, factories.get(model)))
    return sorted(subjects, key=lambda s: s.label)


SUBJECTS = _subjects()
THIRD_PARTY = sorted(
    (m for m in admin.site._registry if m._meta.app_label not in OUR_APPS),
    key=lambda m: m._meta.label_lower,
)


# Building objects in a world -------------------------------------------------


def build(subject: Subject, world: World):
    """Build one object of the subject's model that lives wholly in `world`.

    Fails (never skips) when the factories cannot: an admin the matrix cannot
    walk is a hole in it.
    """
    if subject.model is Branch:
        return world.branch
    assert subject.factory is not None, f"no factory for {subject}: add one in tests/<app>/"
    kwargs = {}
    for path, target in subject.paths:
        if any(path.startswith(p + "__") for p in kwargs):
            continue  # set through a parent already built in this world
        buildable = _buildable(subject.factory, subject.model, path)
        if buildable == "optional":
            continue  # left empty, or derived from a link set here
        assert buildable == "ok", f"{subject.factory.__name__} cannot build {path}"
        kwargs[path] = {Branch: world.branch, Group: world.group, Region: world.region}[target]
    return subject.factory(**kwargs)


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


# What gives an object away -----------------------------------------------------


def _strings(obj, depth: int) -> set[str]:
    """Text that names `obj` and what it points at: its label, its text fields
    (a member's name and email) and, `depth` foreign keys deep, the labels and
    text of related objects (its branch's name, its election, its candidate)."""
    found = {str(obj)}
    for field in obj._meta.concrete_fields:
        if field.is_relation:
            if depth and field.related_model is not User:
                related = getattr(obj, field.name)
                if related is not None:
                    found |= _strings(related, depth - 1)
            continue
        if field.choices or not isinstance(field, models.CharField | models.TextField):
            continue
        found.add(str(getattr(obj, field.attname) or ""))
    return {s.strip() for s in found if len(s.strip()) >= 4}


def markers(obj, in_scope) -> list[str]:
    """Strings that would give `obj` away on a page its organiser may open.

    `in_scope` is an object of the same kind the organiser does see: anything
    that also names it (the group two worlds share, a common position title)
    is not a marker. The first marker is the object's change URL.
    """
    opts = obj._meta
    own = _strings(in_scope, depth=3)
    found = _strings(obj, depth=3) - own
    found = {s for s in found if not any(_contains(o, s) for o in own)}
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return [url, *sorted(found)]


def _contains(text: str, marker: str) -> bool:
    """Whether `marker` is in `text` as a whole (not "Member 1" inside "Member 12")."""
    for form in {marker, html.escape(marker)}:
        if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text):
            return True
    return False


def assert_absent(response, marks, where):
    assert response.status_code != 500, f"{where}: server error"
    if response.status_code in (301, 302, 403, 404, 405):
        return
    body = content(response)
    for marker in marks:
        assert not _contains(body, marker), f"{where}: out-of-scope {marker!r} shown"


def url(subject, view, *args):
    opts = subject.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def assert_nothing_written_about(obj, marks, since_log: int, since_audit: int):
    """The walk left no admin-log entry for `obj`, and no log or audit text naming it."""
    ct = ContentType.objects.get_for_model(obj)
    logs = LogEntry.objects.filter(pk__gt=since_log)
    assert not logs.filter(content_type=ct, object_id=str(obj.pk)).exists(), "logged B's object"
    audits = AuditEvent.objects.filter(pk__gt=since_audit)
    assert not audits.filter(subject=obj._meta.label_lower, object_id=str(obj.pk)).exists()
    written = [e.object_repr + " " + e.change_message for e in logs]
    written += [f"{e.subject} {e.detail}" for e in audits]
    for text in written:
        for marker in marks[1:]:
            assert not _contains(text, marker), f"written during the walk: {marker!r}"


def high_water() -> tuple[int, int]:
    """The last admin-log and audit ids, to tell what a walk writes."""
    last_log = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last_log, last_audit


# Forms as a browser would submit them ----------------------------------------------


class _FormReader(HTMLParser):
    """The fields a browser would submit from the form with id `form_id`."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value", "on")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.data.append(tuple(self._textarea))
            self._textarea = None


def form_data(response, form_id: str) -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(content(response))
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    return data
