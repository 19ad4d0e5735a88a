"""Branch meetings (AGMs and EGMs) in the admin: the list with notice dates, the AGM
dates import, the screen that records a meeting's whole result, and the notice rules."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from campaign import services
from campaign.admin.elections import election_editable
from campaign.forms import AgmImportForm, NominationsForm, ReporterForm
from campaign.models import BranchMeeting, Election, Nomination, NominationReport, NoticeRule
from core.forms import error_summary
from members.models import Branch, Member
from members.scoping import ScopedAdminMixin, scope_for


@admin.register(NoticeRule)
class NoticeRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = None  # the union's rules: every organiser reads them
    national_writes = True
    list_display = ["label", "amount", "unit", "applies_to"]


class NominationInline(ScopedAdminMixin, admin.TabularInline):
    model = Nomination
    extra = 0
    scope_branch_path = None  # the meeting's own: the meeting is in scope
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


class ReportedFilter(admin.SimpleListFilter):
    """Meetings whose result (the nominations made) is recorded, or not yet."""

    title = "result recorded"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        # A report (one may nominate nobody) or nominations entered without one.
        recorded = Exists(NominationReport.objects.filter(meeting=OuterRef("pk"))) | Exists(
            Nomination.objects.filter(meeting=OuterRef("pk"))
        )
        if self.value() == "yes":
            return queryset.filter(recorded)
        if self.value() == "no":
            return queryset.exclude(recorded)
        return queryset


@admin.register(BranchMeeting)
class BranchMeetingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "branch"
    list_display = ["branch", "kind", "date", "place", "our_nominations_moved", "mover"]
    list_filter = [
        "kind",
        "our_nominations_moved",
        ReportedFilter,
        ("branch__group", admin.RelatedOnlyFieldListFilter),
        ("branch__region", admin.RelatedOnlyFieldListFilter),
    ]
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
        self.require(request, "add")
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
        self.require(request, "change", meeting)
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
                            verify=verify and election_editable(request, election),
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
