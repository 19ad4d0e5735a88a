"""The organisers' admin for the campaign: slates, meetings, nominations, the
nominations board, bulk result entry, AGM imports and branch contact links.

Organisers' access follows their role (members.scoping), not Django's
per-model permissions: a group organiser sees and edits their group's
branches and elections, and sees national elections read-only.
"""

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from campaign import rules, selectors, services
from campaign.forms import AgmImportForm, NominationsForm, ReporterForm
from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Nomination,
    NominationReport,
    NoticeRule,
    Position,
    ReservedSeatRule,
)
from core.forms import error_summary
from members.audit import audit_record
from members.models import Branch, Group, Member
from members.scoping import OrganiserAccessMixin, ScopedAdminMixin, scope_for


def _election_editable(request, election) -> bool:
    """National elections are edited by national organisers; group ones by their group's too."""
    if election is None:
        return True
    scope = scope_for(request.user)
    return scope.everything or (
        election.group_id is not None and scope.allows_group(election.group_id)
    )


class ElectionScopedMixin(OrganiserAccessMixin):
    """Objects that belong to an election: visible per Election.visible_to, edited per group."""

    election_path = "election"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = Election.objects.visible_to(request.user).values("pk")
        return qs.filter(
            **{f"{self.election_path}__in" if self.election_path else "pk__in": visible}
        )

    def _election_of(self, obj):
        if obj is None:
            return None
        for part in self.election_path.split("__") if self.election_path else []:
            obj = getattr(obj, part)
        return obj

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _election_editable(
            request, self._election_of(obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _election_editable(
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


class ElectionInlineMixin(OrganiserAccessMixin):
    """Inlines: organisers edit them where they may edit the parent's election."""

    def _editable(self, request, parent) -> bool:
        election = getattr(parent, "election", parent)
        return _election_editable(request, election if parent is not None else None)

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
    list_filter = ["is_published", "group"]
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

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/board/", wrap(self.board_view), name="campaign_election_board"),
            path("<int:pk>/board.csv", wrap(self.board_csv), name="campaign_election_board_csv"),
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

    def _get_election(self, request, pk):
        return get_object_or_404(self.get_queryset(request).select_related("group"), pk=pk)

    def board_view(self, request, pk):
        """Candidates x verified/unverified nominations, branches to chase, AGMs coming up."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        election = self._get_election(request, pk)
        board = selectors.election_board(election=election, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Nominations board: {election.name}",
            "election": election,
            "board": board,
            "csv_url": reverse("admin:campaign_election_board_csv", args=[election.pk]),
        }
        return TemplateResponse(request, "campaign/admin/board.html", context)

    def board_csv(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        election = self._get_election(request, pk)
        board = selectors.election_board(election=election, user=request.user)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="board-{election.slug}.csv"'
        writer = csv.writer(response)
        rows = 0
        for row in selectors.board_csv_rows(board):
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


class CandidateInline(ElectionInlineMixin, admin.StackedInline):
    model = Candidate
    extra = 0
    fields = [
        "order",
        "name",
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
    list_filter = ["election"]
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
    list_display = ["name", "position", "order", "employer"]
    list_filter = ["position__election"]
    list_select_related = ["position__election", "employer"]
    search_fields = ["name"]
    autocomplete_fields = ["branch"]


@admin.register(NoticeRule)
class NoticeRuleAdmin(OrganiserAccessMixin, admin.ModelAdmin):
    list_display = ["label", "amount", "unit", "applies_to"]

    def has_change_permission(self, request, obj=None):
        return scope_for(request.user).everything

    has_add_permission = has_delete_permission = has_change_permission


class NominationInline(OrganiserAccessMixin, admin.TabularInline):
    model = Nomination
    extra = 0
    fields = [
        "position",
        "candidate",
        "other_name",
        "reported_by",
        "reported_at",
        "verified_by",
        "superseded_by",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # nominations come in through reports, so each change is versioned


def _notice_dates_html(dates):
    if not dates:
        return "No notice rules."
    return format_html_join(
        mark_safe("<br>"),
        "{}: {}{}",
        ((d.label, date_format(d.day, "D j M Y"), " (passed)" if d.passed else "") for d in dates),
    )


@admin.register(BranchMeeting)
class BranchMeetingAdmin(OrganiserAccessMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "branch"
    list_display = ["branch", "kind", "date", "place", "our_nominations_moved", "mover"]
    list_filter = ["kind", "our_nominations_moved", "branch__group", "branch__region"]
    list_select_related = ["branch", "mover"]
    search_fields = ["branch__name", "branch__code", "place"]
    date_hierarchy = "date"
    autocomplete_fields = ["branch", "mover"]
    inlines = [NominationInline]
    readonly_fields = ["notice_dates"]
    change_list_template = "campaign/admin/meeting_change_list.html"
    change_form_template = "campaign/admin/meeting_change_form.html"

    @admin.display(description="notice dates")
    def notice_dates(self, obj):
        """The deadlines the meeting's date implies (from the notice rules), passed ones marked."""
        if obj is None or obj.date is None:
            return "Shown once the meeting has a date."
        return _notice_dates_html(obj.notice_dates())

    def get_list_display(self, request):
        # One column of notice dates, reading the notice rules once per page, not per row.
        rules = None
        today = timezone.localdate()

        @admin.display(description="notice dates")
        def notice_dates(obj):
            nonlocal rules
            if rules is None:
                rules = list(NoticeRule.objects.all())
            return _notice_dates_html(obj.notice_dates(rules, today))

        return [*super().get_list_display(request), notice_dates]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Member:
            kwargs["queryset"] = scope_for(request.user).filter(
                Member.objects.all(), branch_path="branch"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="campaign_branchmeeting_import"),
            path("<int:pk>/result/", wrap(self.result_view), name="campaign_branchmeeting_result"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "result_url": reverse("admin:campaign_branchmeeting_result", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def import_view(self, request):
        """Import AGM dates from CSV: every line or none, with each bad line named."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AgmImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            try:
                count = services.agm_dates_import(
                    data=form.cleaned_data["file"].read(),
                    user=request.user,
                    branches=Branch.objects.visible_to(request.user),
                )
            except services.CampaignError as exc:
                problems = exc.messages
            except ValidationError as exc:
                problems = exc.messages
            else:
                messages.success(request, f"Imported {count} AGM date{'s' if count != 1 else ''}.")
                return HttpResponseRedirect(reverse("admin:campaign_branchmeeting_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import AGM dates",
            "form": form,
            "errors": error_summary(form, extra=problems),
            "problems": problems,
        }
        return TemplateResponse(
            request,
            "campaign/admin/agm_import.html",
            context,
            status=400 if problems or form.errors else 200,
        )

    def result_view(self, request, pk):
        """Record one meeting's whole result (every position, every election) on one screen."""
        meeting = get_object_or_404(self.get_queryset(request).select_related("branch"), pk=pk)
        if not self.has_change_permission(request, meeting):
            raise PermissionDenied
        elections = list(
            Election.objects.visible_to(request.user)
            .for_branch(meeting.branch)
            .filter(agm_window_start__lte=meeting.date, agm_window_end__gte=meeting.date)
            .prefetch_related("positions__candidates")
        )
        current = list(
            Nomination.objects.active().filter(meeting=meeting).select_related("position")
        )
        forms = [
            (
                election,
                NominationsForm(
                    request.POST or None,
                    positions=election.positions.all(),
                    current=[n for n in current if n.position.election_id == election.pk],
                    prefix=f"e{election.pk}",
                ),
            )
            for election in elections
        ]
        reporter = ReporterForm(
            request.POST or None,
            initial={"reported_by": request.user.get_full_name() or request.user.get_username()},
            prefix="who",
        )
        problems = []
        if request.method == "POST":
            verify = request.POST.get("verify") == "on"
            # Validate every form (no short-circuit) so every error shows at once.
            valid = all([f.is_valid() for _, f in forms]) & reporter.is_valid()  # noqa: C419
            if valid:
                try:
                    for election, form in forms:
                        services.nomination_report(
                            meeting=meeting,
                            election=election,
                            entries=form.entries,
                            reported_by=reporter.cleaned_data["reported_by"],
                            source="organiser",
                            user=request.user,
                            verify=verify and _election_editable(request, election),
                        )
                except (services.CampaignError, IntegrityError) as exc:
                    problems = getattr(exc, "messages", [str(exc)])
                else:
                    messages.success(request, f"Saved the result of {meeting}.")
                    return HttpResponseRedirect(
                        reverse("admin:campaign_branchmeeting_change", args=[meeting.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Result of {meeting}",
            "meeting": meeting,
            "forms": forms,
            "reporter": reporter,
            "errors": error_summary(*[f for _, f in forms], reporter, extra=problems),
        }
        return TemplateResponse(request, "campaign/admin/meeting_result.html", context)


@admin.register(Nomination)
class NominationAdmin(OrganiserAccessMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "meeting__branch"
    list_display = [
        "meeting",
        "position",
        "nominee",
        "reported_by",
        "reported_at",
        "verified",
        "superseded_by",
    ]
    list_filter = [
        ("verified_by", admin.EmptyFieldListFilter),
        ("superseded_by", admin.EmptyFieldListFilter),
        "position__election",
    ]
    list_select_related = ["meeting__branch", "position", "candidate", "superseded_by"]
    search_fields = [
        "meeting__branch__name",
        "meeting__branch__code",
        "candidate__name",
        "other_name",
    ]
    readonly_fields = ["report", "superseded_by", "verified_by", "verified_at", "reported_at"]
    autocomplete_fields = ["meeting", "candidate"]
    actions = ["verify"]

    @admin.display(boolean=True)
    def verified(self, obj):
        return obj.is_verified

    def has_change_permission(self, request, obj=None):
        # A nomination changes only by a new report (versioned) or by verifying it.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark as verified (checked by me)")
    def verify(self, request, queryset):
        count = services.nominations_verify(nominations=queryset, user=request.user)
        messages.success(request, f"Verified {count} nomination{'s' if count != 1 else ''}.")


@admin.register(NominationReport)
class NominationReportAdmin(OrganiserAccessMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Every report ever made, read-only: the history behind each meeting's nominations."""

    scope_branch_path = "meeting__branch"
    list_display = [
        "meeting",
        "election",
        "version",
        "source",
        "reported_by",
        "created_at",
        "changes",
    ]
    list_filter = ["source", "election"]
    list_select_related = ["meeting__branch", "election"]
    search_fields = ["meeting__branch__name", "meeting__branch__code", "reported_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
