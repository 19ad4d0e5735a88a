"""Events in the admin: the event with its replies, the printable attendee list for the
door (which also records who came), and its CSV export (audited, formula-safe)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from campaign.events import services
from campaign.events.tasks import remind_all
from campaign.models import Event, EventRSVP
from core.csv_safe import safe_writer
from members.audit import audit_record
from members.scoping import ScopedAdminMixin

CSV_HEADER = ["Name", "Email", "Branch", "Replied", "Cancelled", "Came"]


class RSVPInline(ScopedAdminMixin, admin.TabularInline):
    model = EventRSVP
    extra = 0
    scope_branch_path = None  # the event's own: the event is in scope
    fields = ["name", "email", "branch", "created_at", "cancelled_at", "attended"]
    readonly_fields = ["name", "email", "branch", "created_at", "cancelled_at"]
    can_delete = False
    verbose_name_plural = "Replies (RSVPs)"

    def has_add_permission(self, request, obj=None):
        return False  # people reply themselves, with their own consent


@admin.register(Event)
class EventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "starts_at", "branch", "audience", "capacity", "is_published"]
    list_filter = ["is_published", "audience"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["branch"]
    inlines = [RSVPInline]
    change_form_template = "campaign/admin/event_change_form.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "is_published"]}),
        ("When and where", {"fields": ["starts_at", "ends_at", "place", "online_url"]}),
        ("Who", {"fields": ["branch", "audience", "capacity"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "starts_at" in form.changed_data:
            # The reminders were queued for the old day before; the task checks the time.
            remind_all(obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/attendees/",
                wrap(self.attendees_view),
                name="campaign_event_attendees",
            ),
            path(
                "<int:pk>/attendees.csv",
                wrap(self.attendees_csv),
                name="campaign_event_attendees_csv",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "attendees_url": reverse("admin:campaign_event_attendees", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _event(self, request, pk) -> Event:
        return get_object_or_404(self.get_queryset(request).select_related("branch"), pk=pk)

    def _replies(self, event):
        return event.rsvps.filter(cancelled_at__isnull=True).select_related("branch")

    def _require_replies(self, request, action: str) -> None:
        self.require(request, "view")
        if not request.user.has_perm(f"campaign.{action}_eventrsvp"):
            raise PermissionDenied

    def attendees_view(self, request, pk):
        """The list to print for the door; ticking who came and saving records it."""
        self._require_replies(request, "view")
        event = self._event(request, pk)
        can_record = request.user.has_perm("campaign.change_eventrsvp")
        if request.method == "POST":
            self._require_replies(request, "change")
            present = {int(v) for v in request.POST.getlist("came") if v.isdigit()}
            changed = services.attendance_record(event=event, present=present, actor=request.user)
            messages.success(request, f"Attendance saved ({changed} changed).")
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Attendees: {event.title}",
            "event": event,
            "replies": list(self._replies(event)),
            "can_record": can_record,
            "csv_url": reverse("admin:campaign_event_attendees_csv", args=[event.pk]),
            "now": timezone.now(),
        }
        return TemplateResponse(request, "campaign/admin/event_attendees.html", context)

    def attendees_csv(self, request, pk):
        self._require_replies(request, "view")
        event = self._event(request, pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="attendees-{event.slug}.csv"'
        writer = safe_writer(response)
        writer.writerow(CSV_HEADER)
        rows = 0
        for r in event.rsvps.select_related("branch").order_by("name", "pk"):
            writer.writerow(
                [
                    r.name,
                    r.email,
                    str(r.branch) if r.branch else "",
                    timezone.localtime(r.created_at).isoformat(),
                    timezone.localtime(r.cancelled_at).isoformat() if r.cancelled_at else "",
                    r.attended,
                ]
            )
            rows += 1
        audit_record(
            actor=request.user,
            action="export",
            subject="campaign event attendees",
            object_id=event.pk,
            rows=rows,
            detail=f"attendee CSV for {event.slug}",
        )
        return response
