"""Members in the admin: lists scoped to the organiser, filters, exports, erasure."""

import io

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from core.csv_safe import safe_writer
from members.audit import audit_record
from members.models import (
    AuditEvent,
    Branch,
    Consent,
    ConsentKind,
    Group,
    Member,
    Region,
    Workplace,
)
from members.scoping import ScopedAdminMixin, scope_for
from members.services import member_erase, member_invite_to_update_branch, member_links_cancel


class ScopedBranchFilter(admin.RelatedFieldListFilter):
    """Offer only the branches (or their groups / regions) the organiser may see."""

    def field_choices(self, field, request, model_admin):
        visible = Branch.objects.visible_to(request.user)
        model = field.related_model
        if model is Branch:
            return [(b.pk, str(b)) for b in visible.order_by("name")]
        related = {Group: "branches__in", Region: "branches__in"}[model]
        return [
            (o.pk, str(o))
            for o in model.objects.filter(**{related: visible}).distinct().order_by("name")
        ]


def visible_groups(user):
    """The union groups an organiser may pick or filter by."""
    scope = scope_for(user)
    if scope.everything:
        return Group.objects.all()
    if scope.group_id is not None:
        return Group.objects.filter(pk=scope.group_id)
    return Group.objects.filter(branches__in=Branch.objects.visible_to(user)).distinct()


class MemberGroupFilter(admin.SimpleListFilter):
    """By union group: the branch's group, or the member's own if they have no branch."""

    title = "group"
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return [(str(g.pk), g.name) for g in visible_groups(request.user).order_by("name")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not (value.isascii() and value.isdigit()):  # "²" passes isdigit()
            raise IncorrectLookupParameters
        return queryset.filter(Q(branch__group_id=value) | Q(branch__isnull=True, group_id=value))


class ConsentFilter(admin.SimpleListFilter):
    title = "consent"
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return [
            (ConsentKind.FACTION, "Faction may contact"),
            (ConsentKind.BRANCH, "Local organisers may contact"),
            ("none", "No consent"),
        ]

    def queryset(self, request, queryset):
        if self.value() in ConsentKind.values:
            return queryset.consenting(self.value())
        if self.value() == "none":
            live = Consent.objects.filter(member=OuterRef("pk"), withdrawn_at__isnull=True)
            return queryset.exclude(Exists(live))
        return queryset


class ConsentInline(ScopedAdminMixin, admin.TabularInline):
    """The consent history: what was agreed, in which words, and when; read-only."""

    model = Consent
    scope_branch_path = None  # the member's own: the member is in scope
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "wording",
        "wording_text",
        "given_at",
        "source",
        "withdrawn_at",
        "withdrawn_source",
    ]
    readonly_fields = fields
    ordering = ["-given_at"]

    @admin.display(description="exact wording")
    def wording_text(self, obj):
        return obj.wording.text

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("wording")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def export_consent_kind(user) -> str:
    """Which consent covers an organiser's export: national lists need the faction
    consent; a group or region's own organisers need the local-organisers one."""
    return ConsentKind.FACTION if scope_for(user).everything else ConsentKind.BRANCH


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_branch_path = "branch"
    scope_group_path = "group"  # members whose branch is not listed: by their own group
    list_display = ["name", "email", "branch", "grade", "is_rep", "status", "created_at"]
    actions = ["cancel_links"]
    list_filter = [
        "status",
        MemberGroupFilter,
        ("branch__region", ScopedBranchFilter),
        ("branch", ScopedBranchFilter),
        "grade",
        "is_rep",
        ConsentFilter,
    ]
    list_select_related = ["branch"]
    search_fields = ["name", "email"]
    autocomplete_fields = ["branch", "workplace"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "confirmed_at",
        "confirmed_ip",
        "last_emailed_at",
    ]
    inlines = [ConsentInline]
    show_full_result_count = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Group:
            kwargs["queryset"] = visible_groups(request.user)
        elif db_field.related_model is Workplace:
            # Another scope's workplace id is "not one of the available choices",
            # so its label is never shown back.
            kwargs["queryset"] = Workplace.objects.filter(
                branch__in=Branch.objects.visible_to(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Adding a member is no membership oracle. A scoped organiser who adds an
    # address that belongs to a member outside their scope gets the answer a
    # new member gives; that member is emailed their manage link instead
    # (member_invite_to_update_branch) and nothing about them is shown or
    # changed. Within the scope, the "already has this email" error stays.

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if change or scope_for(request.user).everything:
            return form
        return type(form.__name__, (OutOfScopeEmailForm, form), {"user": request.user})

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        if add and not scope_for(request.user).everything:
            # "Continue editing" would open the new row: an invited member has none.
            context["show_save_and_continue"] = False
        return super().render_change_form(request, context, add, change, **kwargs)

    def save_model(self, request, obj, form, change):
        elsewhere = getattr(form, "existing_elsewhere", None)
        if elsewhere is not None:
            obj._invited_elsewhere = True
            member_invite_to_update_branch(member=elsewhere, actor=request.user)
            return
        self._save_member(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not getattr(form.instance, "_invited_elsewhere", False):
            super().save_related(request, form, formsets, change)

    def construct_change_message(self, request, form, formsets, add=False):
        if getattr(form.instance, "_invited_elsewhere", False):
            return []  # nothing was saved, so the formsets hold no objects
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        if not getattr(obj, "_invited_elsewhere", False):
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if scope_for(request.user).everything:
            return super().response_add(request, obj, post_url_continue)
        # One answer for every add by a scoped organiser, new member or invited:
        # no link to the row, no "continue editing".
        self.message_user(
            request,
            format_html("The member “{}” was added successfully.", str(obj)),
            messages.SUCCESS,
        )
        if "_addanother" in request.POST:
            return redirect(request.get_full_path())
        return self.response_post_save_add(request, obj)

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="members_member_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        counts = dict(
            self.get_queryset(request)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        extra_context = {
            **(extra_context or {}),
            "status_counts": [
                (label, counts.get(value, 0)) for value, label in Member.Status.choices
            ],
            "export_consent": ConsentKind(export_consent_kind(request.user)).label.lower(),
        }
        response = super().changelist_view(request, extra_context)
        # The list shows names and emails: record who looked, at how many rows and
        # through which filters (not the search term, which may be a name or email).
        changelist = getattr(response, "context_data", {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.VIEW,
                subject="member list",
                rows=len(changelist.result_list),
                detail=(
                    f"{describe_filters(request.GET)}; page {changelist.page_num} "
                    f"of {changelist.result_count} matching"
                ).lstrip("; "),
            )
        return response

    def export_view(self, request):
        """CSV of the filtered list, only members whose consent covers it; audited."""
        self.require(request, "view")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect("admin:members_member_changelist")
        kind = export_consent_kind(request.user)
        queryset = (
            changelist.get_queryset(request)
            .filter(status__in=[Member.Status.CONFIRMED, Member.Status.ACTIVE])
            .consenting(kind)
            .select_related("branch__group", "branch__region", "group", "workplace")
            .order_by("pk")
        )
        out = io.StringIO()
        writer = safe_writer(out)
        writer.writerow(EXPORT_COLUMNS)
        rows = 0
        for m in queryset.iterator(chunk_size=2000):
            branch = m.branch
            writer.writerow(
                (
                    m.name,
                    m.email,
                    m.mobile,
                    branch.code if branch else "",
                    branch.name if branch else m.branch_not_listed,
                    branch.group.name if branch else (m.group.name if m.group else ""),
                    branch.region.name if branch else "",
                    str(m.workplace) if m.workplace else m.workplace_not_listed,
                    m.grade,
                    "yes" if m.is_rep else "no",
                    "yes" if m.is_union_member else "no",
                    m.status,
                    m.confirmed_at.isoformat() if m.confirmed_at else "",
                )
            )
            rows += 1
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            subject="member export",
            rows=rows,
            detail=describe_filters(request.GET, consent=kind),
        )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.VIEW,
                subject="members.member",
                object_id=object_id,
            )
        return response

    def _save_member(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.ADD,
                subject="members.member",
                object_id=obj.pk,
                detail="added through the admin",
            )
        elif changed := [
            # A group left empty is taken from the branch: no change if it came back.
            f
            for f in form.changed_data
            if f != "group" or obj.group_id != form.initial.get("group")
        ]:
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.CHANGE,
                subject="members.member",
                object_id=obj.pk,
                detail="fields: " + ", ".join(changed),
            )

    @admin.action(description="Cancel the selected members' personal links", permissions=["change"])
    def cancel_links(self, request, queryset):
        """For a link that got into the wrong hands: every link sent to them stops working."""
        count = 0
        for member in queryset:
            member_links_cancel(member=member, actor=request.user)
            count += 1
        self.message_user(
            request,
            f"Cancelled the personal links of {count} member{'s' if count != 1 else ''}. "
            "They get a new one with our next email, or by joining again.",
        )

    def delete_model(self, request, obj):
        member_erase(member=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            member_erase(member=member, actor=request.user)


class OutOfScopeEmailForm:
    """Mixed into a scoped organiser's add form (MemberAdmin.get_form sets `user`).

    An address already used by a live member outside the user's scope is not
    an error: the form is valid, `existing_elsewhere` holds that member, and
    MemberAdmin.save_model invites them instead of adding a row.
    """

    user = None
    existing_elsewhere = None

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        self.existing_elsewhere = None
        if email and cleaned.get("status") != Member.Status.LEFT:
            other = Member.objects.with_email(email).first()
            if (
                other is not None
                and not Member.objects.visible_to(self.user).filter(pk=other.pk).exists()
            ):
                self.existing_elsewhere = other
        return cleaned

    def _post_clean(self):
        email = self.cleaned_data.get("email")
        super()._post_clean()
        if self.existing_elsewhere is not None:
            # The model's only error on a valid address is the unique-email rule,
            # and it must not show: the organiser may not learn the address is taken.
            self._errors.pop("email", None)
            self.cleaned_data["email"] = email


EXPORT_COLUMNS = [
    "name",
    "email",
    "mobile",
    "branch code",
    "branch",
    "group",
    "region",
    "workplace",
    "grade",
    "union rep",
    "union member",
    "status",
    "confirmed at",
]


def describe_filters(params, *, consent: str | None = None) -> str:
    """The filters of a list or export for the audit log: their names, never their values.

    A value may be personal (``?email__startswith=jane@``, a search for a
    name), so a search is recorded by its length and a filter by its field.
    """
    parts = []
    for key in sorted(params):
        if key in {"o", "p", "_changelist_filters"}:
            continue
        if key == "q":
            parts.append(f"q=(search, {len(params.get(key, '').strip())} characters)")
        else:
            parts.append(key)
    if consent is not None:
        parts.append(f"consent={consent}")
    return "; ".join(parts)
