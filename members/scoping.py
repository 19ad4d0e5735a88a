"""The one permission layer: what an organiser may do, and to which rows.

The policy (README, "Who sees what"): every organiser page and action needs the
Django model permission for it (each role's permissions are its auth group's,
members migration 0006) AND the objects must be in the organiser's scope.
Without the permission the answer is 403, in scope or not; with it, an object
outside the scope does not exist for them: lists omit it, its URLs are 404.
Superusers hold every permission and see everything.

* ``scope_for(user)`` returns the ``Scope``: which rows. ``Scope.filter`` narrows a
  queryset (``Branch.objects.visible_to(user)`` and ``Member.objects.visible_to(user)``
  go through it) and ``Scope.sql`` gives the same rule as an SQL condition for the
  raw SQL of the heavy selectors (``ballots/selectors.py``).
* ``ScopedAdminMixin`` is the one mixin of every ModelAdmin and inline of the
  campaign, ballots and members apps: Django's permission checks, never bypassed,
  and querysets narrowed to the scope.
* ``scoped_permission_required`` is the one decorator of organiser pages that are
  not a ModelAdmin's own views (the ballots dashboard, grids and imports).

This module imports no model, so the models' ``visible_to`` can import it.
"""

import functools
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    group_id: int | None = None
    region_id: int | None = None
    members: bool = True  # False for editors: no personal data at all

    @property
    def kind(self) -> str:
        """Return "everything", "group", "region" or "nothing": the rule, decided once
        for both the queryset filter and the SQL condition."""
        if not self.members:
            return "nothing"
        if self.everything:
            return "everything"
        if self.group_id is not None:
            return "group"
        if self.region_id is not None:
            return "region"
        return "nothing"

    def q(self, branch_path: str, *, group_path: str | None = None) -> Q:
        """Return a Q that keeps only rows whose branch is in scope.

        With `group_path` (rows that may name a group without a branch, such as a
        member whose branch is not in our list), a group organiser also sees the
        rows with no branch whose own group is theirs.
        """
        prefix = f"{branch_path}__" if branch_path else ""
        match self.kind:
            case "everything":
                return Q()
            case "group":
                q = Q(**{f"{prefix}group_id": self.group_id})
                if group_path is not None:
                    q |= Q(**{f"{branch_path}__isnull": True, f"{group_path}_id": self.group_id})
                return q
            case "region":
                return Q(**{f"{prefix}region_id": self.region_id})
        return Q(pk__in=[])

    def filter(
        self, queryset: QuerySet, *, branch_path: str, group_path: str | None = None
    ) -> QuerySet:
        """Narrow a queryset to rows whose branch (reached by branch_path) is in scope
        (or, with group_path, that have no branch and a group in scope)."""
        match self.kind:
            case "everything":
                return queryset
            case "nothing":
                return queryset.none()
        return queryset.filter(self.q(branch_path, group_path=group_path))

    def sql(self, *, group: str, region: str) -> tuple[str, list]:
        """Return (SQL condition, params): the same rule as ``filter``, for raw SQL.

        `group` and `region` are the caller's conditions for "this row is in the
        group" and "in the region", each with one ``%s`` for the id, such as
        ``"b.group_id = %s"``. Only these fixed fragments reach the SQL; the id
        travels as a parameter.
        """
        match self.kind:
            case "everything":
                return "TRUE", []
            case "group":
                return group, [self.group_id]
            case "region":
                return region, [self.region_id]
        return "FALSE", []

    def branch_sql(self, alias: str) -> tuple[str, list]:
        """Return (SQL condition, params) keeping the rows of a members_branch alias in
        scope: the SQL form of ``filter(Branch.objects.all(), branch_path="")``."""
        if not alias.isidentifier():
            raise ValueError(f"not an SQL alias: {alias!r}")
        return self.sql(group=f"{alias}.group_id = %s", region=f"{alias}.region_id = %s")

    @property
    def key(self) -> str:
        """What decides which rows this scope reaches, as text: part of the cache key of
        a page built once per scope (the nominations board, the ballot dashboard)."""
        return {"group": f"group-{self.group_id}", "region": f"region-{self.region_id}"}.get(
            self.kind, self.kind
        )

    def allows_group(self, group_id: int | None) -> bool:
        """Whether objects that belong to a whole group (elections, units) are visible."""
        if self.everything:
            return True
        return self.members and self.group_id is not None and self.group_id == group_id


NOTHING = Scope(members=False)


def scope_for(user) -> Scope:
    """Return the scope of what this user may see."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Scope(everything=True)
    role = getattr(user, "role", None)
    if role == "national":
        return Scope(everything=True)
    if role == "group" and user.group_id:
        return Scope(group_id=user.group_id)
    if role == "regional" and user.region_id:
        return Scope(region_id=user.region_id)
    return NOTHING


class ScopedAdminMixin:
    """The admin mixin: Django's model permissions (403 without), rows in scope (404 outside).

    Permissions are Django's own ``has_*_permission`` checks, which this mixin
    can only narrow, never widen. Rows are narrowed in ``get_queryset``, so
    lists, counts, searches, actions, autocompletes and the change, history and
    delete views never reach an object outside the scope:

    * ``scope_branch_path``: the lookup from the model to its Branch ("branch",
      "meeting__branch", "" for Branch itself), or None for rows that belong to no
      branch (an inline's rows are its parent's; a notice rule is the union's).
    * ``scope_group_path``: the model's own group, for rows that may have no branch.
    * ``national_writes``: rows of the whole union (notice rules, the law as data,
      the union's structure): only a national scope adds, changes or deletes them.
    * ``national_only``: the whole admin is for a national scope (accounts, audit).
    * Override ``scope_queryset`` for models scoped another way (through units,
      elections); foreign keys to a model with ``visible_to(user)`` offer only
      the rows it returns.
    """

    scope_branch_path: str | None = "branch"
    scope_group_path: str | None = None
    national_writes: bool = False
    national_only: bool = False

    def scope_queryset(self, request, queryset):
        """Return the rows of `queryset` in the user's scope."""
        scope = scope_for(request.user)
        if self.national_only and not scope.everything:
            return queryset.none()
        if self.scope_branch_path is None:
            return queryset
        return scope.filter(
            queryset, branch_path=self.scope_branch_path, group_path=self.scope_group_path
        )

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def _scope_allows(self, request, *, write: bool) -> bool:
        if self.national_only or (write and self.national_writes):
            return scope_for(request.user).everything
        return True

    def has_module_permission(self, request):
        return super().has_module_permission(request) and self._scope_allows(request, write=False)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._scope_allows(
            request, write=False
        )

    def has_add_permission(self, request, *args):  # inlines also receive the parent
        return super().has_add_permission(request, *args) and self._scope_allows(
            request, write=True
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._scope_allows(
            request, write=True
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._scope_allows(
            request, write=True
        )

    def require(self, request, action: str, obj=None) -> None:
        """Raise PermissionDenied (403) unless the user may `action` ("view", "add",
        "change" or "delete") here: for the extra pages a model admin adds. Fetch
        their objects through ``get_queryset`` so that other scopes' are 404."""
        check = getattr(self, f"has_{action}_permission")
        if not (check(request) if obj is None else check(request, obj)):
            raise PermissionDenied

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        manager = db_field.related_model._default_manager
        if "queryset" not in kwargs and hasattr(manager, "visible_to"):
            kwargs["queryset"] = manager.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's admin redirects to the index with "doesn't exist"; out-of-scope
        # objects must be indistinguishable from missing ones: a plain 404.
        raise Http404


def scoped_permission_required(*permissions: str):
    """Decorate an organiser page that is not a ModelAdmin's own view: 403 unless the
    user is active staff holding every one of `permissions` ("ballots.view_ballot").

    The view then reads only through the scope (``visible_to(request.user)``,
    ``scope_for(request.user)``), so another scope's object is a 404. Route it
    through ``admin_site.admin_view`` as well, for the login and the second factor.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_active and user.is_staff and user.has_perms(permissions)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.permissions = permissions
        return wrapped

    return decorator
