"""Organisers' admin for ballots: units, readiness, ballots, turnout, the law as data.

Every admin here uses members.scoping.ScopedAdminMixin: an organiser needs the
model permission (their role's group gives it), and objects outside their scope
are a plain 404. The organiser pages (dashboard, grids, CSV imports) are admin
views in ballots/admin_views.py, behind the same rule (scoped_permission_required).
"""

import json

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from ballots import admin_views
from ballots.forms import BallotForm, BallotUnitForm, ReadinessAdminForm, TurnoutAdminForm
from ballots.models import (
    ActionDate,
    Ballot,
    BallotUnit,
    BargainingUnit,
    BranchReadiness,
    LegalRule,
    ReadinessThreshold,
    StructureTest,
    StructureTestProgress,
    TurnoutReturn,
    UnitBranch,
)
from members.models import Branch, Group
from members.scoping import ScopedAdminMixin, scope_for


@admin.register(LegalRule)
class LegalRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Add a row when the law moves; old rows stay, since past ballots used them."""

    scope_branch_path = None  # the law is the same for everyone: national organisers edit it
    national_writes = True

    list_display = ["kind", "summary", "effective_from", "decided_by", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["source", "text"]
    fields = [
        "kind",
        "value",
        "value_by_agreement",
        "text",
        "effective_from",
        "decided_by",
        "status",
        "source",
    ]

    @admin.display(description="rule")
    def summary(self, obj):
        return obj.describe()


class UnitScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Units and ballots: scoped through the units (the model's own visible_to)."""

    def scope_queryset(self, request, queryset):
        return queryset.filter(pk__in=self.model.objects.visible_to(request.user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Group and not scope_for(request.user).everything:
            group_id = scope_for(request.user).group_id
            kwargs["queryset"] = Group.objects.filter(pk=group_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def units_wholly_in_scope(user):
    """Return the units with every branch in the user's scope.

    A regional organiser sees a unit with one branch in their region, but a unit
    that also has branches elsewhere is not theirs to change or delete: the
    delete would take the other regions' unit links and structure tests with
    it, and its confirmation would name them. Like a shared ballot, it is
    read-only to them.
    """
    units = BargainingUnit.objects.visible_to(user)
    if scope_for(user).everything:
        return units
    outside = UnitBranch.objects.filter(unit=OuterRef("pk")).exclude(
        branch__in=Branch.objects.visible_to(user)
    )
    return units.exclude(Exists(outside))


class WhollyInScopeOnly:
    """Change and delete only objects wholly in the user's scope (``wholly_in_scope``);
    the others are read-only, their history shows no inline objects' names, and the
    bulk delete refuses them without listing what it would delete."""

    def wholly_in_scope(self, request):
        raise NotImplementedError

    def _wholly(self, request, obj) -> bool:
        cache = request.__dict__.setdefault("_wholly_in_scope", {})
        key = (type(obj), obj.pk)
        if key not in cache:
            cache[key] = self.wholly_in_scope(request).filter(pk=obj.pk).exists()
        return cache[key]

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self._wholly(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self._wholly(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        page = getattr(response, "context_data", {}).get("action_list")
        obj = self.get_object(request, object_id)
        if page is None or obj is None or self._wholly(request, obj):
            return response
        page.object_list = list(page.object_list)
        for entry in page.object_list:
            entry.change_message = _own_changes_only(entry.change_message)
        return response

    def get_deleted_objects(self, objs, request):
        ids = {o.pk for o in objs}
        if ids - set(self.wholly_in_scope(request).values_list("pk", flat=True)):
            return [], {}, {f"{self.model._meta.verbose_name_plural} not wholly in your scope"}, []
        return super().get_deleted_objects(objs, request)


class UnitBranchInline(ScopedAdminMixin, admin.TabularInline):
    model = UnitBranch
    extra = 1
    autocomplete_fields = ["branch"]
    scope_branch_path = "branch"


@admin.register(BargainingUnit)
class BargainingUnitAdmin(WhollyInScopeOnly, UnitScopedAdmin):
    list_display = ["name", "code", "group", "important_public_service"]
    list_filter = ["important_public_service", ("group", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["group"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [UnitBranchInline]

    def wholly_in_scope(self, request):
        return units_wholly_in_scope(request.user)


class ReadOnlyWhenSaved:
    """Snapshots and returns are history: add new ones, never edit old ones."""

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)


@admin.register(BranchReadiness)
class BranchReadinessAdmin(ReadOnlyWhenSaved, ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "branch"
    list_display = [
        "branch",
        "taken_on",
        "members",
        "staff_in_post",
        "with_contact",
        "with_home_address",
        "reps",
        "ballot_committee",
        "source",
    ]
    list_filter = [
        "taken_on",
        "source",
        "ballot_committee",
        ("branch__group", admin.RelatedOnlyFieldListFilter),
        ("branch__region", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["branch"]
    search_fields = ["branch__name", "branch__code"]
    autocomplete_fields = ["branch"]
    date_hierarchy = "taken_on"
    form = ReadinessAdminForm
    exclude = ["entered_by", "source"]
    change_list_template = "ballots/admin/readiness_change_list.html"

    def save_model(self, request, obj, form, change):
        obj.entered_by, obj.source = request.user, BranchReadiness.Source.ADMIN
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "overview/", view(admin_views.readiness_overview), name="ballots_readiness_overview"
            ),
            path("grid/", view(admin_views.readiness_grid), name="ballots_readiness_grid"),
            path("import/", view(admin_views.readiness_import), name="ballots_readiness_import"),
            *super().get_urls(),
        ]


@admin.register(ReadinessThreshold)
class ReadinessThresholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = None  # one national row: national organisers change it
    national_writes = True
    list_display = [
        "__str__",
        "min_density",
        "min_contact",
        "max_workplace_address",
        "min_reps_per_100",
        "min_meetings",
        "require_committee",
        "close_margin",
    ]

    def has_add_permission(self, request):
        # The one row is created by a migration (and by ReadinessThreshold.current()).
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProgressInline(ScopedAdminMixin, admin.TabularInline):
    model = StructureTestProgress
    extra = 1
    scope_branch_path = None  # the test's own: the test is in scope


@admin.register(StructureTest)
class StructureTestAdmin(WhollyInScopeOnly, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "branch",
        "unit",
        "target_percent",
        "deadline",
        "progress_now",
        "standing",
    ]
    list_select_related = ["branch", "unit"]
    autocomplete_fields = ["branch", "unit"]
    inlines = [ProgressInline]

    def scope_queryset(self, request, queryset):
        visible = StructureTest.objects.visible_to(request.user).values("pk")
        return queryset.filter(pk__in=visible).with_progress()

    def wholly_in_scope(self, request):
        """Tests on a branch in scope, or on a unit wholly in scope (not both elsewhere)."""
        user = request.user
        tests = StructureTest.objects.visible_to(user)
        if scope_for(user).everything:
            return tests
        return tests.filter(
            Q(branch__isnull=True) | Q(branch__in=Branch.objects.visible_to(user)),
            Q(unit__isnull=True) | Q(unit__in=units_wholly_in_scope(user)),
        )

    @admin.display(description="latest progress")
    def progress_now(self, obj):
        if obj.latest_on is None:  # the latest row comes with_progress(), no query a row
            return "none yet"
        percent = 100 * obj.latest_done / obj.latest_out_of if obj.latest_out_of else 0.0
        met = " (met)" if percent >= obj.target_percent else ""
        return f"{percent:.0f}% on {obj.latest_on:%d %b}{met}"

    @admin.display(description="on track?")
    def standing(self, obj):
        """Met, on track, behind or overdue, with where it is heading by its date."""
        return str(obj.standing(timezone.localdate()))


class BallotUnitInline(ScopedAdminMixin, admin.TabularInline):
    """A ballot may span groups; each organiser sees and edits only their own units
    (the unit choices too: BargainingUnit.visible_to)."""

    model = BallotUnit
    form = BallotUnitForm
    extra = 1
    autocomplete_fields = ["unit"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(unit__in=BargainingUnit.objects.visible_to(request.user))


class ActionDateInline(ScopedAdminMixin, admin.TabularInline):
    model = ActionDate
    extra = 1
    scope_branch_path = None  # the ballot's own: the ballot is in scope


def _own_changes_only(change_message: str) -> str:
    """Drop the parts of an admin change message about inline objects (they name them)."""
    try:
        parts = json.loads(change_message)
    except (TypeError, ValueError):
        return ""  # a free-text message could name anything
    if not isinstance(parts, list):
        return ""

    def names_an_object(part):
        return not isinstance(part, dict) or any(
            isinstance(v, dict) and "object" in v for v in part.values()
        )

    own = [p for p in parts if not names_an_object(p)]
    if len(own) < len(parts):
        own.append({"changed": {"fields": ["units or action dates (details hidden)"]}})
    return json.dumps(own)


@admin.register(Ballot)
class BallotAdmin(UnitScopedAdmin):
    form = BallotForm
    list_display = ["name", "kind", "opens_on", "closes_on", "links"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "opens_on"
    inlines = [BallotUnitInline, ActionDateInline]

    @staticmethod
    def _wholly_theirs(request, obj) -> bool:
        """Whether every unit and branch of the ballot is in the user's scope (asked
        several times per page, so remembered for the request)."""
        cache = request.__dict__.setdefault("_ballots_wholly_theirs", {})
        if obj.pk not in cache:
            cache[obj.pk] = obj.wholly_visible_to(request.user)
        return cache[obj.pk]

    def has_change_permission(self, request, obj=None):
        # A shared ballot's dates and action dates are every unit's legal clock: only
        # someone whose scope covers the whole ballot may change them. The others see
        # it read-only (its units inline too) and enter their turnout on the grid.
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self._wholly_theirs(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A ballot shared with other groups or regions is not one organiser's to delete:
        # it would take the others' entitlements and turnout returns with it.
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self._wholly_theirs(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["shared_beyond_scope"] = (
            obj is not None
            and super().has_change_permission(request, obj)
            and not self._wholly_theirs(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """On a ballot shared beyond the scope, show each entry's changes to the ballot
        itself, not to its units and action dates (those name other groups' units)."""
        response = super().history_view(request, object_id, extra_context)
        page = getattr(response, "context_data", {}).get("action_list")
        obj = self.get_object(request, object_id)
        if page is None or obj is None:
            return response
        if Ballot.objects.wholly_visible_to(request.user).contains(obj):
            return response
        page.object_list = list(page.object_list)
        for entry in page.object_list:
            entry.change_message = _own_changes_only(entry.change_message)
        return response

    def get_deleted_objects(self, objs, request):
        """Refuse the bulk delete action for any ballot shared beyond the scope, without
        listing the other groups' or regions' objects it would delete."""
        ids = {o.pk for o in objs}
        if ids - set(Ballot.objects.wholly_visible_to(request.user).values_list("pk", flat=True)):
            return [], {}, {"ballots that also cover other groups' or regions' units"}, []
        return super().get_deleted_objects(objs, request)

    @admin.display(description="")
    def links(self, obj):
        return format_html(
            '<a href="{}">Dashboard</a> · <a href="{}">Enter turnout</a>',
            reverse("admin:ballots_ballot_dashboard", args=[obj.pk]),
            reverse("admin:ballots_turnout_grid", args=[obj.pk]),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/dashboard/",
                view(admin_views.ballot_dashboard),
                name="ballots_ballot_dashboard",
            ),
            path("<int:pk>/turnout/", view(admin_views.turnout_grid), name="ballots_turnout_grid"),
            *super().get_urls(),
        ]


class VisibleBallotFilter(admin.RelatedFieldListFilter):
    """The ballot filter offers only ballots the organiser may see (Django's own lists
    every ballot, naming other groups' ballots)."""

    def field_choices(self, field, request, model_admin):
        return [(b.pk, str(b)) for b in Ballot.objects.visible_to(request.user)]


@admin.register(TurnoutReturn)
class TurnoutReturnAdmin(ReadOnlyWhenSaved, ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "branch"
    list_display = ["branch", "ballot", "counted_on", "voted", "source"]
    list_filter = [("ballot", VisibleBallotFilter), "source"]
    list_select_related = ["branch", "ballot"]
    search_fields = ["branch__name", "branch__code"]
    autocomplete_fields = ["branch"]
    form = TurnoutAdminForm
    exclude = ["entered_by", "source"]
    change_list_template = "ballots/admin/turnout_change_list.html"

    def save_model(self, request, obj, form, change):
        obj.entered_by, obj.source = request.user, BranchReadiness.Source.ADMIN
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(admin_views.turnout_import), name="ballots_turnout_import"),
            *super().get_urls(),
        ]


from ballots.petitions import admin as petitions_admin  # noqa: E402, F401  (registers it)
from ballots.pledges import admin as pledges_admin  # noqa: E402, F401  (registers it)
