"""Public pages of the campaign: slate pages, their share images, the printable
nominations sheet, and the branch contact's report page (signed link)."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from campaign import og, selectors, services
from campaign.forms import AgmDateForm, NominationsForm, ReporterForm, error_summary
from campaign.models import BranchContactLink, BranchMeeting, Election, Nomination, NoticeRule
from campaign.ratelimit import ratelimit
from members.models import Group


def _published(slug: str) -> Election:
    return get_object_or_404(Election.objects.published().select_related("group"), slug=slug)


@require_safe
def slate(request, slug):
    """Our candidates by position, and how to get them nominated at your AGM."""
    election = _published(slug)
    positions = selectors.slate(election)
    rules = [r for r in NoticeRule.objects.all() if r.applies_to in ("", BranchMeeting.Kind.AGM)]
    closes = dateformat.format(election.nominations_close, "j F Y")
    return render(
        request,
        "campaign/election_detail.html",
        {
            "election": election,
            "positions": positions,
            "notice_rules": rules,
            # The share tags (templates/articles/includes/share_meta.html) make
            # these absolute from SITE_URL, never from the request's Host header.
            "share_title": f"{election.name}: our candidates",
            "share_description": (
                f"Our slate for {election.name}, and how to nominate our candidates"
                f" at your branch AGM by {closes}."
            ),
            "share_image": reverse("campaign:og_image", args=[election.slug]),
            "share_image_alt": f"{election.name}: the names of our candidates",
            "today": timezone.localdate(),
        },
    )


@require_safe
def og_image(request, slug):
    """The slate's share image (PNG), drawn once per version of the slate."""
    election = _published(slug)
    positions = selectors.slate(election)
    name = og.image_for(election, positions, settings.SITE_NAME)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def nominations_sheet(request, group_code):
    """What a member takes to their AGM: one line per position, ready to move."""
    group = get_object_or_404(Group, code=group_code)
    elections = selectors.open_elections_for_group(group)
    context = {"group": group, "elections": elections, "SITE_NAME": settings.SITE_NAME}
    fmt = request.GET.get("format", "")
    if fmt == "txt":
        text = render_to_string("campaign/nominations_sheet.txt", context, request=request)
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="nominations-{group.code}.txt"'
        return response
    if fmt == "html":
        html = render_to_string(
            "campaign/nominations_sheet_download.html", context, request=request
        )
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="nominations-{group.code}.html"'
        return response
    return render(request, "campaign/nominations_sheet.html", context)


def _link_for(request, election) -> BranchContactLink | None:
    token = request.POST.get("token") if request.method == "POST" else request.GET.get("token")
    link = BranchContactLink.from_token(token)
    if link is None:
        return None
    if election.group_id is not None and link.branch.group_id != election.group_id:
        return None
    return link


@never_cache
@require_http_methods(["GET", "POST"])
# Signed links are guessed by trying tokens: GETs count as well as POSTs.
@ratelimit("manage", methods=("GET", "POST"))
def report(request, slug):
    """A branch contact sets the AGM date and reports the AGM's nominations."""
    election = get_object_or_404(Election, slug=slug)
    link = _link_for(request, election)
    if link is None:
        return render(request, "campaign/report_invalid.html", {"election": election}, status=403)
    branch = link.branch
    meeting = (
        BranchMeeting.objects.filter(
            branch=branch, date__gte=election.agm_window_start, date__lte=election.agm_window_end
        )
        .order_by("-date")
        .first()
    )
    positions = list(election.positions.prefetch_related("candidates"))
    current = (
        Nomination.objects.active().filter(meeting=meeting, position__election=election)
        if meeting
        else []
    )
    action = request.POST.get("action") if request.method == "POST" else None
    agm_form = AgmDateForm(
        request.POST if action == "agm" else None,
        election=election,
        initial={"date": meeting.date, "place": meeting.place} if meeting else None,
        prefix="agm",
    )
    nominations_form = NominationsForm(
        request.POST if action == "nominations" else None,
        positions=positions,
        current=list(current),
        prefix="nom",
    )
    reporter_form = ReporterForm(
        request.POST if action == "nominations" else None,
        initial={"reported_by": link.contact_name},
        prefix="who",
    )
    today = timezone.localdate()
    report_errors = []
    if action == "agm" and agm_form.is_valid():
        try:
            services.meeting_set(
                branch=branch,
                date=agm_form.cleaned_data["date"],
                place=agm_form.cleaned_data["place"],
                meeting=meeting if meeting and meeting.kind == BranchMeeting.Kind.AGM else None,
            )
        except ValidationError as exc:
            for message in exc.messages:
                agm_form.add_error("date", message)
        else:
            return _back(request, election, "agm")
    if action == "nominations":
        if meeting is None:
            report_errors.append("Tell us the date of your AGM first.")
        elif meeting.date > today:
            report_errors.append(
                f"You can report nominations after the meeting on {meeting.date:%-d %B %Y}."
            )
        forms_ok = nominations_form.is_valid() & reporter_form.is_valid()
        if forms_ok and not report_errors:
            try:
                services.nomination_report(
                    meeting=meeting,
                    election=election,
                    entries=nominations_form.entries,
                    reported_by=reporter_form.cleaned_data["reported_by"],
                    source="contact",
                    link=link,
                )
            except services.CampaignError as exc:
                report_errors += exc.messages
            else:
                return _back(request, election, "nominations")
    errors = error_summary(agm_form, nominations_form, reporter_form, extra=report_errors)
    response = render(
        request,
        "campaign/report.html",
        {
            "election": election,
            "link": link,
            "token": request.POST.get("token")
            if request.method == "POST"
            else request.GET.get("token"),
            "meeting": meeting,
            "agm_form": agm_form,
            "nominations_form": nominations_form,
            "reporter_form": reporter_form,
            "errors": errors,
            "saved": request.GET.get("saved", ""),
            "today": today,
        },
        status=400 if errors else 200,
    )
    # The address holds the token: the site-wide "same-origin" referrer policy
    # keeps it from other sites. ("no-referrer" would make browsers post this
    # form with "Origin: null", which the CSRF check rightly refuses.)
    return response


def _back(request, election, saved):
    # The token goes back into the address so the page can be reloaded; the
    # site's same-origin referrer policy keeps it from other sites.
    token = request.POST.get("token", "")
    url = reverse("campaign:report", args=[election.slug])
    return redirect(f"{url}?{urlencode({'token': token, 'saved': saved})}")
