"""Elections and their slates in the admin, and each election's nominations board.

An organiser sees national elections and their own group's (Election.visible_to)
and edits only their own group's; national organisers see and edit them all.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from campaign import rules
from campaign.admin import board_html, outreach
from campaign.board import BOARD_LISTS, LIST_ROWS, BoardFilterForm, board_csv_rows, election_board
from campaign.models import Candidate, Election, ElectionRedirect, Position, ReservedSeatRule
from campaign.models.elections import preference_order_error
from core.csv_safe import safe_writer
from core.forms import error_summary
from core.pagecache import fragment
from members.audit import audit_record
from members.models import Group
from members.scoping import ScopedAdminMixin, scope_for

# What the board shows (core.pagecache.topics): a change to any retires its body.
BOARD_TOPICS = ("elections", "slates", "structure")


def election_editable(request, election) -> bool:
    """National elections are edited by national organisers; group ones by their group's too."""
    if election is None:
        return True
    scope = scope_for(request.user)
    return scope.everything or (
        election.group_id is not None and scope.allows_group(election.group_id)
    )


class ElectionScopedMixin(ScopedAdminMixin):
    """Objects that belong to an election: visible per Election.visible_to, edited per group."""

    election_path = "election"

    def scope_queryset(self, request, queryset):
        visible = Election.objects.visible_to(request.user).values("pk")
        return queryset.filter(
            **{f"{self.election_path}__in" if self.election_path else "pk__in": visible}
        )

    def _election_of(self, obj):
        if obj is None:
            return None
        for part in self.election_path.split("__") if self.election_path else []:
            obj = getattr(obj, part)
        return obj

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and election_editable(
            request, self._election_of(obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and election_editable(
            request, self._election_of(obj)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = scope_for(request.user)
        # Only elections this organiser may edit: their group's (none for regional ones).
        editable = Election.objects.filter(group_id=scope.group_id) if scope.group_id else None
        if db_field.related_model is Election and not scope.everything:
            kwargs["queryset"] = editable if editable is not None else Election.objects.none()
        if db_field.related_model is Position and not scope.everything:
            kwargs["queryset"] = Position.objects.filter(
                election__in=editable if editable is not None else Election.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ElectionInlineMixin(ScopedAdminMixin):
    """Inlines: organisers edit them where they may edit the parent's election."""

    scope_branch_path = None  # the parent's rows: the parent is in scope

    def _editable(self, request, parent) -> bool:
        election = getattr(parent, "election", parent)
        return election_editable(request, election if parent is not None else None)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


def _warn(request, election):
    for warning in rules.slate_warnings(election):
        messages.warning(request, warning)


class PositionInline(ElectionInlineMixin, admin.TabularInline):
    model = Position
    extra = 0
    fields = ["order", "title", "seats", "votes_per_member"]
    show_change_link = True  # the slate for each position is edited on its own page


class ReservedSeatRuleInline(ElectionInlineMixin, admin.TabularInline):
    model = ReservedSeatRule
    extra = 0
    fields = ["category", "seats", "position"]


@admin.register(Election)
class ElectionAdmin(ElectionScopedMixin, admin.ModelAdmin):
    election_path = ""
    list_display = ["name", "body", "nominations_close", "nominations_needed", "is_published"]
    list_filter = ["is_published", ("group", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["group"]
    inlines = [PositionInline, ReservedSeatRuleInline]
    change_form_template = "campaign/admin/election_change_form.html"
    fieldsets = [
        (None, {"fields": ["name", "slug", "group", "intro", "voting_method"]}),
        (
            "Dates",
            {
                "fields": [
                    "agm_window_start",
                    "agm_window_end",
                    "nominations_close",
                    "ballot_opens",
                    "ballot_closes",
                ]
            },
        ),
        ("Rules", {"fields": ["nominations_needed", "employer_cap"]}),
        ("Public page", {"fields": ["is_published", "publish_counts"]}),
    ]

    def _election_of(self, obj):
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = scope_for(request.user)
        if db_field.name == "group" and not scope.everything:
            # A group organiser creates elections for their own group only.
            kwargs["queryset"] = Group.objects.filter(pk=scope.group_id)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        old = Election.objects.filter(pk=obj.pk).values_list("slug", flat=True).first()
        super().save_model(request, obj, form, change)
        ElectionRedirect.remember(election=obj, old_slug=old or "")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/board/", wrap(self.board_view), name="campaign_election_board"),
            path("<int:pk>/board.csv", wrap(self.board_csv), name="campaign_election_board_csv"),
            path(
                "<int:pk>/chase/",
                wrap(self._outreach(outreach.chase_view)),
                name="campaign_election_chase",
            ),
            path(
                "<int:pk>/chase.csv",
                wrap(self._outreach(outreach.chase_csv)),
                name="campaign_election_chase_csv",
            ),
            path(
                "<int:pk>/links/",
                wrap(self._outreach(outreach.bulk_view)),
                name="campaign_election_bulk_links",
            ),
            path(
                "calendar/",
                wrap(self._outreach(outreach.calendar_view)),
                name="campaign_election_calendar",
            ),
            path(
                "<int:pk>/contacts/",  # ?branch=<id>
                wrap(self._outreach(outreach.history_view)),
                name="campaign_election_contact_history",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            election = self.get_object(request, object_id)
            if election is not None:
                _warn(request, election)
        extra_context = {
            **(extra_context or {}),
            "board_url": reverse("admin:campaign_election_board", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _outreach(self, view):
        """An outreach page (campaign/admin/outreach.py) bound to this admin."""

        def bound(request, *args, **kwargs):
            return view(self, request, *args, **kwargs)

        return bound

    def _get_election(self, request, pk):
        return get_object_or_404(self.get_queryset(request).select_related("group"), pk=pk)

    def board_view(self, request, pk):
        """A summary, candidates, deadlines ahead and branches to chase, with filters.

        The page's body is built once per election, scope, filters and day, and
        again after any change to what it shows (a fragment retired by the
        campaign's topics): at 1,000 branches a repeat view counts nothing.
        """
        self.require(request, "view")
        election = self._get_election(request, pk)
        form = BoardFilterForm(request.GET or None, election=election, user=request.user)
        today = timezone.localdate()

        def build():
            board = election_board(
                election=election, user=request.user, filters=form.filters(), today=today
            )
            context = {
                "election": election,
                "board": board,
                "form": form,
                "errors": error_summary(form),
                "shown": {name: board.shown(name) for name in BOARD_LISTS},
                "list_rows": LIST_ROWS,
                "list_query": form.query(without="status"),
                "candidate_rows": board_html.candidate_rows(board, form.query()),
                "deadline_rows": board_html.deadline_rows(board.shown("deadlines")),
                "selects": [(field.name, board_html.select(field)) for field in form],
                "csv_url": reverse("admin:campaign_election_board_csv", args=[election.pk]),
            }
            return render_to_string("campaign/admin/_board_body.html", context)

        if form.errors:
            body = build()
        else:
            scope = scope_for(request.user).key
            name = f"board:{election.pk}:{scope}:{today.isoformat()}:{form.query()}"
            body = fragment(name, BOARD_TOPICS, build)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Nominations board: {election.name}",
            "election": election,
            "body": body,
        }
        return TemplateResponse(
            request, "campaign/admin/board.html", context, status=400 if form.errors else 200
        )

    def board_csv(self, request, pk):
        self.require(request, "view")
        election = self._get_election(request, pk)
        board = election_board(election=election, user=request.user, detail=True)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="board-{election.slug}.csv"'
        writer = safe_writer(response)
        rows = 0
        for row in board_csv_rows(board):
            writer.writerow(row)
            rows += 1
        audit_record(
            actor=request.user,
            action="export",
            subject="campaign nominations board",
            object_id=election.pk,
            rows=rows - 1,
            detail=f"board CSV for {election.slug}",
        )
        return response


class CandidateFormSet(BaseInlineFormSet):
    """A position's slate: its recommended preferences, taken together, run 1..N."""

    def get_unique_error_message(self, unique_check):
        if "preference" in unique_check:
            return preference_order_error([1, 1])  # the same number twice
        return super().get_unique_error_message(unique_check)

    def clean(self):
        super().clean()
        numbers = [
            form.cleaned_data.get("preference")
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        position = self.instance
        stv = position.election_id is None or position.election.is_stv
        if not stv and any(n is not None for n in numbers):
            raise ValidationError(
                "Only an STV election has a recommended order: clear the preference numbers."
            )
        if problem := preference_order_error(numbers):
            raise ValidationError(problem)


def preference_problem_with_others(candidate) -> str | None:
    """One candidate edited alone: its preference checked against the rest of its slate."""
    others = Candidate.objects.filter(position_id=candidate.position_id).exclude(pk=candidate.pk)
    return preference_order_error(
        [*others.values_list("preference", flat=True), candidate.preference]
    )


class CandidateInline(ElectionInlineMixin, admin.StackedInline):
    model = Candidate
    formset = CandidateFormSet
    extra = 0
    fields = [
        "order",
        "name",
        ("affiliation", "partner"),
        "preference",
        "employer",
        "branch",
        "photo",
        "statement",
        "election_address",
        "reserved_categories",
    ]
    autocomplete_fields = ["branch"]
    ordering = ["order", "pk"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "reserved_categories":
            position_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = ReservedSeatRule.objects.filter(
                election__positions__pk=position_id
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Position)
class PositionAdmin(ElectionScopedMixin, admin.ModelAdmin):
    """A position's slate: candidates inline, in order (change the numbers to reorder)."""

    list_display = ["title", "election", "seats", "order"]
    list_filter = [("election", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["election"]
    search_fields = ["title", "election__name"]
    inlines = [CandidateInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            position = self.get_object(request, object_id)
            if position is not None:
                _warn(request, position.election)
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        _warn(request, obj.election)
        return super().response_change(request, obj)


@admin.register(Candidate)
class CandidateAdmin(ElectionScopedMixin, admin.ModelAdmin):
    election_path = "position__election"
    list_display = ["name", "position", "order", "affiliation", "preference", "employer"]
    list_filter = [("position__election", admin.RelatedOnlyFieldListFilter), "affiliation"]
    list_select_related = ["position__election", "employer"]
    search_fields = ["name", "partner"]
    autocomplete_fields = ["branch"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class CandidateForm(form):
            def _post_clean(self):
                super()._post_clean()
                problem = (
                    "preference" not in self.errors
                    and self.instance.position_id
                    and preference_problem_with_others(self.instance)
                )
                if problem:
                    self.add_error("preference", problem)

        return CandidateForm
