"""The one place that decides which branches, members and figures an organiser sees.

Every admin queryset, export, dashboard and autocomplete goes through
``scope_for(user).filter(queryset, branch_path=...)`` (members through
``Member.objects.visible_to(user)``, which adds their own group), so a group or regional
organiser cannot reach another group's or region's data by any route: objects
outside their scope do not exist for them (lists omit them, URLs give 404).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    group_id: int | None = None
    region_id: int | None = None
    members: bool = True  # False for editors: no personal data at all

    def q(self, branch_path: str, *, group_path: str | None = None) -> Q:
        """Return a Q that keeps only rows whose branch is in scope.

        With `group_path` (rows that may name a group without a branch, such as a
        member whose branch is not in our list), a group organiser also sees the
        rows with no branch whose own group is theirs.
        """
        if self.everything:
            return Q()
        prefix = f"{branch_path}__" if branch_path else ""
        if self.group_id is not None:
            q = Q(**{f"{prefix}group_id": self.group_id})
            if group_path is not None:
                q |= Q(**{f"{branch_path}__isnull": True, f"{group_path}_id": self.group_id})
            return q
        if self.region_id is not None:
            return Q(**{f"{prefix}region_id": self.region_id})
        return Q(pk__in=[])

    def filter(
        self, queryset: QuerySet, *, branch_path: str, group_path: str | None = None
    ) -> QuerySet:
        """Narrow a queryset to rows whose branch (reached by branch_path) is in scope
        (or, with group_path, that have no branch and a group in scope)."""
        if not self.members:
            return queryset.none()
        if self.everything:
            return queryset
        if self.group_id is None and self.region_id is None:
            return queryset.none()
        return queryset.filter(self.q(branch_path, group_path=group_path))

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
    """Admin mixin: lists, change views, deletes and autocompletes see only the scope.

    Set ``scope_branch_path`` to the lookup from the model to its Branch
    ("branch", "meeting__branch", or "" for Branch itself), and
    ``scope_group_path`` to the model's own group where rows may have no branch.
    """

    scope_branch_path: str = "branch"
    scope_group_path: str | None = None  # e.g. "group" for members with no branch

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return scope_for(request.user).filter(
            qs, branch_path=self.scope_branch_path, group_path=self.scope_group_path
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from members.models import Branch

        if db_field.related_model is Branch:
            kwargs["queryset"] = Branch.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's admin redirects to the index with "doesn't exist"; out-of-scope
        # objects must be indistinguishable from missing ones: a plain 404.
        from django.http import Http404

        raise Http404


class OrganiserAccessMixin:
    """Let organisers (any role that sees members) use these pages; editors use Django perms."""

    def _organiser(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and scope_for(user).members

    def has_module_permission(self, request):
        return self._organiser(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._organiser(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._organiser(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._organiser(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._organiser(request) or super().has_delete_permission(request, obj)
