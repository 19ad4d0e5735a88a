"""An election's outreach pages in the admin: the chase list (with its CSV and
"mark chased"), the bulk send of contact links, and a branch's contact history.

Each needs the election in the organiser's scope (404 otherwise) and, for
contact details, the permission to see branch-contact links (403 without).
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from campaign import chase, outreach
from campaign.board import BoardFilterForm, branches_for
from campaign.models import CalendarFeed, ContactEvent, NominationReport
from core.csv_safe import safe_writer
from core.forms import error_summary
from members.audit import audit_record
from members.models import BranchContactLink

PREVIEW_TOKEN = "YOUR-PERSONAL-LINK"  # noqa: S105 (a stand-in shown in the preview)


class ChaseFilterForm(BoardFilterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["position"], self.fields["status"]


class ChasedForm(forms.Form):
    branch = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="Branches")
    note = forms.CharField(max_length=200, required=False, label="Note (optional)")

    def __init__(self, data, *, rows):
        super().__init__(data)
        self.fields["branch"].choices = [(r.branch_id, r.line.code) for r in rows]


class BulkForm(forms.Form):
    """Who gets a link: the chosen branches' known contacts, or a CSV of code, email, name."""

    branch = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=False)
    csv_text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        max_length=200_000,
        label="Or paste lines of: branch code, email, contact name",
    )
    csv_file = forms.FileField(required=False, label="Or upload a CSV file")

    def __init__(self, data, files, *, branches):
        super().__init__(data, files)
        self.fields["branch"].choices = [(pk, code) for pk, code in branches]

    def clean_csv_file(self):
        upload = self.cleaned_data.get("csv_file")
        if upload is None:
            return ""
        if upload.size > 200_000:
            raise forms.ValidationError("The file is over 200 KB: split it.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("Save the file as CSV (UTF-8) and try again.") from None


def _require(request, *perms):
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _context(model_admin, request, election, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "election": election,
        **extra,
    }


def chase_view(model_admin, request, pk):
    """The chase list, and marking the selected branches chased (POST)."""
    model_admin.require(request, "view")
    _require(request, "members.view_branchcontactlink")
    election = model_admin._get_election(request, pk)
    filters = ChaseFilterForm(request.GET or None, election=election, user=request.user)
    rows = chase.chase_list(election=election, user=request.user, filters=filters.filters())
    chased = ChasedForm(request.POST or None, rows=rows)
    if request.method == "POST":
        _require(request, "campaign.change_branchmeeting")
        if chased.is_valid():
            count = chase.branches_chased(
                election=election,
                branch_ids=chased.cleaned_data["branch"],
                user=request.user,
                note=chased.cleaned_data["note"],
            )
            messages.success(
                request, f"Recorded {count} branch{'es' if count != 1 else ''} as chased."
            )
            return HttpResponseRedirect(request.get_full_path())
    context = _context(
        model_admin,
        request,
        election,
        f"Chase list: {election.name}",
        rows=rows,
        filters=filters,
        chased=chased,
        errors=error_summary(filters, chased),
        csv_url=reverse("admin:campaign_election_chase_csv", args=[election.pk])
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
        bulk_url=reverse("admin:campaign_election_bulk_links", args=[election.pk]),
    )
    status = 400 if filters.errors or chased.errors else 200
    return TemplateResponse(request, "campaign/admin/chase_list.html", context, status=status)


def chase_csv(model_admin, request, pk):
    model_admin.require(request, "view")
    _require(request, "members.view_branchcontactlink")
    election = model_admin._get_election(request, pk)
    filters = ChaseFilterForm(request.GET or None, election=election, user=request.user)
    rows = chase.chase_list(election=election, user=request.user, filters=filters.filters())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chase-{election.slug}.csv"'
    writer = safe_writer(response)
    for line in chase.chase_csv_rows(rows):
        writer.writerow(line)
    audit_record(
        actor=request.user,
        action="export",
        subject="campaign chase list",
        object_id=election.pk,
        rows=len(rows),
        detail=f"chase list CSV for {election.slug}",
    )
    return response


def _preview(election, recipients):
    """The email the first recipient will get, with a stand-in for their link."""
    from members.contacts import report_pages

    first = recipients[0]
    link = BranchContactLink(
        branch=first.branch,
        contact_name=first.contact_name,
        email=first.email,
        expires_at=timezone.now() + datetime.timedelta(days=outreach.LINK_DAYS),
    )
    from django.conf import settings

    body = render_to_string(
        "members/email/contact_link.txt",
        {"link": link, "pages": report_pages(link, PREVIEW_TOKEN), "SITE_NAME": settings.SITE_NAME},
    )
    return f"Your link to report for {first.branch.name}", body


def bulk_view(model_admin, request, pk):
    """Choose branches (from the chase list or a CSV), preview the email, send every link."""
    model_admin.require(request, "view")
    _require(request, "members.view_branchcontactlink", "members.add_branchcontactlink")
    election = model_admin._get_election(request, pk)
    branches = branches_for(election, request.user)
    form = BulkForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        branches=branches.order_by("code").values_list("pk", "code"),
    )
    problems, recipients, no_contact, preview = [], [], [], None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["csv_text"] or form.cleaned_data["csv_file"]
        try:
            if text.strip():
                recipients = outreach.recipients_from_csv(text, branches)
            elif form.cleaned_data["branch"]:
                recipients, no_contact = outreach.recipients_from_links(
                    branches.filter(pk__in=form.cleaned_data["branch"])
                )
                if not recipients:
                    problems = ["None of the chosen branches has a contact yet: paste a CSV."]
            else:
                problems = ["Choose branches on the chase list, or paste or upload a CSV."]
        except outreach.BulkSendError as exc:
            problems = exc.messages
        if recipients and request.POST.get("confirm") == "send":
            links = outreach.contact_links_bulk_send(
                election=election, recipients=recipients, user=request.user
            )
            messages.success(
                request, f"{len(links)} link{'s are' if len(links) != 1 else ' is'} on the way."
            )
            return HttpResponseRedirect(
                reverse("admin:campaign_election_chase", args=[election.pk])
            )
        if recipients:
            preview = _preview(election, recipients)
    bad = bool(problems or form.errors)
    context = _context(
        model_admin,
        request,
        election,
        f"Send contact links: {election.name}",
        form=form,
        errors=error_summary(form, extra=problems),
        problems=problems,
        recipients=recipients,
        no_contact=no_contact,
        preview=preview,
        csv_kept=(form.cleaned_data.get("csv_text") or form.cleaned_data.get("csv_file") or "")
        if form.is_bound and not form.errors
        else "",
    )
    return TemplateResponse(
        request, "campaign/admin/bulk_links.html", context, status=400 if bad else 200
    )


def history_view(model_admin, request, pk):
    """One branch's (?branch=<id>) contact history in an election: sent, opened,
    chased, reported."""
    model_admin.require(request, "view")
    _require(request, "members.view_branchcontactlink")
    election = model_admin._get_election(request, pk)
    branch_id = request.GET.get("branch", "")
    if not branch_id.isdigit() or len(branch_id) > 18:
        raise Http404
    branch = branches_for(election, request.user).filter(pk=int(branch_id)).first()
    if branch is None:
        raise Http404
    events = [
        (e.at, e.get_kind_display(), e.note or (e.link.email if e.link else ""))
        for e in ContactEvent.objects.filter(election=election, branch=branch).select_related(
            "link"
        )
    ]
    for link in BranchContactLink.objects.filter(branch=branch, last_used_at__isnull=False):
        events.append((link.last_used_at, "Link opened (last time)", link.email))
    for report in NominationReport.objects.filter(election=election, meeting__branch=branch):
        events.append((report.created_at, "Result reported", report.reported_by))
    events.sort(key=lambda e: e[0], reverse=True)
    context = _context(
        model_admin,
        request,
        election,
        f"Contact history: {branch.code} {branch.name}",
        branch=branch,
        events=events,
    )
    return TemplateResponse(request, "campaign/admin/contact_history.html", context)


def calendar_view(model_admin, request):
    """The organiser's private calendar address: make a new one (the old stops) or stop it."""
    model_admin.require(request, "view")
    secret = None
    if request.method == "POST":
        if request.POST.get("do") == "stop":
            CalendarFeed.revoke(request.user)
            audit_record(
                actor=request.user, action="change", subject="calendar feed", detail="stopped"
            )
            messages.success(request, "Your calendar address no longer works.")
            return HttpResponseRedirect(request.path)
        secret = CalendarFeed.renew(request.user)
        audit_record(
            actor=request.user, action="add", subject="calendar feed", detail="new address"
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Your calendar",
        "has_feed": CalendarFeed.objects.filter(user=request.user).exists(),
        "feed_url": request.build_absolute_uri(reverse("campaign:calendar_feed", args=[secret]))
        if secret
        else "",
    }
    return TemplateResponse(request, "campaign/admin/calendar.html", context)
