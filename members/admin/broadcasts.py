"""Email broadcasts in the admin: compose, review (preview, audience, test), send, progress."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from members.audit import audit_record
from members.broadcasts import services
from members.broadcasts.audience import audience_summary
from members.broadcasts.delivery import counts
from members.broadcasts.forms import BroadcastForm, SendForm
from members.broadcasts.rendering import merge, render
from members.models import Broadcast, BroadcastDelivery, Suppression
from members.scoping import ScopedAdminMixin

FAILURES_SHOWN = 50


class IdOnlyAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up whatever value a form came back with, and
    a posted value that is not an id (":") was a 500 (found by tests/members/broadcasts
    /test_fuzz.py): offer only values that can be ids; the field's error says the rest."""

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if str(v).isdigit() and len(str(v)) < 19]
        return super().optgroups(name, ids, attr)


LIVE = (Broadcast.Status.SCHEDULED, Broadcast.Status.SENDING)


@admin.register(Broadcast)
class BroadcastAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A draft is edited, reviewed, then sent or scheduled; after that it is a record."""

    form = BroadcastForm
    list_display = ["subject", "status", "created_by", "send_at", "recipients", "sent_count"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    search_fields = ["subject"]
    autocomplete_fields = ["audience_branch"]
    readonly_fields = [
        "status",
        "audience",
        "created_by",
        "created_at",
        "sent_by",
        "send_at",
        "started_at",
        "finished_at",
        "recipients",
        "sent_count",
        "failed_count",
        "skipped_count",
        "unsubscribed_count",
    ]

    def scope_queryset(self, request, queryset):
        return queryset & Broadcast.objects.visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_fields:
            kwargs["widget"] = IdOnlyAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        if obj is None or obj.editable:
            return BroadcastForm.Meta.fields
        return ["subject", "body", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.editable:
            return []
        return ["subject", "body", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.editable)

    def has_delete_permission(self, request, obj=None):
        # A sent broadcast is the record of what went to whom.
        return super().has_delete_permission(request, obj) and (obj is None or obj.editable)

    @admin.display(description="audience")
    def audience(self, obj):
        return obj.audience_description()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.take_scope_of(request.user)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(self._url("review", obj))

    def response_change(self, request, obj):
        return HttpResponseRedirect(self._url("review", obj))

    def _url(self, view, obj):
        return reverse(f"admin:members_broadcast_{view}", args=[obj.pk])

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/review/", wrap(self.review_view), name="members_broadcast_review"),
            path("<int:pk>/progress/", wrap(self.progress_view), name="members_broadcast_progress"),
            path("<int:pk>/act/", wrap(self.act_view), name="members_broadcast_act"),
            *super().get_urls(),
        ]

    def _get(self, request, pk, action):
        self.require(request, action)
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def review_view(self, request, pk):
        """What will go, to how many and whom: the preview, the count, a sample of names."""
        broadcast = self._get(request, pk, "view")
        if not broadcast.editable:
            return HttpResponseRedirect(self._url("progress", broadcast))
        body = render(broadcast.body)
        sample_values = {
            "name": request.user.get_full_name() or "Sam Example",
            "branch": "Your branch",
        }
        count, sample = audience_summary(broadcast)
        audit_record(
            actor=request.user,
            action="view",
            subject="members.broadcast audience",
            object_id=broadcast.pk,
            rows=len(sample),
            detail="audience count and a sample of names",
        )
        return self._render(
            request,
            "members/broadcast_review.html",
            broadcast,
            {
                "preview_html": merge(body.html, sample_values, escape=True),
                "preview_text": merge(body.text, sample_values, escape=False),
                "preview_subject": merge(broadcast.subject, sample_values, escape=False),
                "count": count,
                "sample": sample,
                "send_form": SendForm(),
                "can_send": self.has_change_permission(request, broadcast),
            },
        )

    def progress_view(self, request, pk):
        """Live progress: counts by status, failures with the mail server's answer."""
        broadcast = self._get(request, pk, "view")
        found = counts(broadcast)
        done = found["sent"] + found["failed"] + found["skipped"]
        total = sum(found.values())
        failures = list(
            broadcast.deliveries.filter(
                Q(status=BroadcastDelivery.Status.FAILED)
                | (Q(status=BroadcastDelivery.Status.QUEUED) & ~Q(reason=""))
            )
            .select_related("member")
            .order_by("-pk")[:FAILURES_SHOWN]
        )
        return self._render(
            request,
            "members/broadcast_progress.html",
            broadcast,
            {
                "counts": found,
                "done": done,
                "total": total,
                "failures": failures,
                "live": broadcast.status in LIVE,
                "can_act": super().has_change_permission(request, broadcast),
            },
        )

    def act_view(self, request, pk):
        """The buttons: test copy, send or schedule, unschedule, cancel, resume."""
        broadcast = self._get(request, pk, "change")  # another scope's: 404, GET or POST
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        action = request.POST.get("action")
        try:
            if action == "test":
                self._require_change(request, broadcast)
                services.broadcast_test_send(broadcast=broadcast, actor=request.user)
                messages.success(request, f"A test copy is on its way to {request.user.email}.")
                return HttpResponseRedirect(self._url("review", broadcast))
            if action == "send":
                self._require_change(request, broadcast)
                form = SendForm(request.POST)
                if not form.is_valid():
                    return self._send_form_invalid(request, broadcast, form)
                services.broadcast_send(
                    broadcast=broadcast, actor=request.user, send_at=form.send_at_or_none()
                )
                messages.success(
                    request,
                    "The broadcast is on its way."
                    if form.send_at_or_none() is None
                    else "The broadcast is scheduled.",
                )
            elif action == "unschedule":
                services.broadcast_unschedule(broadcast=broadcast, actor=request.user)
                messages.success(request, "The broadcast is a draft again.")
                return HttpResponseRedirect(self._url("review", broadcast))
            elif action == "cancel":
                left = services.broadcast_cancel(broadcast=broadcast, actor=request.user)
                messages.success(request, f"Cancelled: {left} message(s) will not be sent.")
            elif action == "resume":
                services.broadcast_resume(broadcast=broadcast, actor=request.user)
                messages.success(request, "Sending again.")
            else:
                messages.error(request, "Choose what to do.")
        except services.BroadcastError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(self._url("progress", broadcast))

    def _require_change(self, request, broadcast):
        self.require(request, "change", broadcast)

    def _send_form_invalid(self, request, broadcast, form):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(self._url("review", broadcast))

    def _render(self, request, template, broadcast, extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": broadcast,
            "broadcast": broadcast,
            "title": broadcast.subject,
            "site_name": settings.SITE_NAME,
            **extra,
        }
        return TemplateResponse(request, template, context)


@admin.register(Suppression)
class SuppressionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Addresses no broadcast goes to (hard bounces, or added by hand): national only."""

    national_only = True
    scope_branch_path = None
    list_display = ["email", "reason", "created_at", "detail"]
    list_filter = ["reason"]
    search_fields = ["email"]
    fields = ["email", "reason", "detail"]
