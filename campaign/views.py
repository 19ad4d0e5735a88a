"""Public pages of the campaign: the home page, slate pages, their share images,
the printable nominations sheet, and the branch contact's report page (signed link)."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_safe

from articles.caching import content_version, public_page
from articles.models import Article, Redirect
from campaign import og, rules, selectors, services
from campaign.forms import AgmDateForm, NominationsForm, ReporterForm
from campaign.models import BranchMeeting, Election, ElectionRedirect, NoticeRule
from core.forms import error_summary
from core.links import cached_reverse
from core.pagecache import fragment, shows
from core.pagecache.fragments import versioned
from members.contacts import contact_link_required, link_invalid, link_token
from members.models import Group


def _calls_to_action(request) -> list[dict]:
    """The current calls to action: join, and nominate or vote while an election runs.

    Computed once per request (the ETag and the page both use it).
    """
    if hasattr(request, "_home_calls"):
        return request._home_calls
    calls = [
        {
            "url": cached_reverse("members:join"),
            "label": "Join us",
            "text": "Add your name in under a minute. We ask only what we need.",
        }
    ]
    today = timezone.localdate()
    for election in _current_elections():
        if today <= election.nominations_close:
            calls.append(
                {
                    "url": election.get_absolute_url(),
                    "label": f"Nominate our candidates for {election.name}",
                    "text": "Ask your branch AGM to nominate the rank-and-file slate. "
                    f"Nominations close on {election.nominations_close:%-d %B}.",
                }
            )
        elif election.ballot_opens <= today:
            calls.append(
                {
                    "url": election.get_absolute_url(),
                    "label": f"Vote for our slate in {election.name}",
                    "text": "The ballot is open until "
                    f"{election.ballot_closes:%-d %B}. Every vote counts.",
                }
            )
    request._home_calls = calls
    return calls


def _current_elections():
    """Every published election still to come or running, soonest ballot first (one
    query, once a day and per change to the elections in each process)."""
    today = timezone.localdate()
    return versioned(
        f"campaign:current-elections:{today}",
        ("elections",),
        lambda: list(
            Election.objects.published()
            .filter(ballot_closes__gte=today)
            .only("name", "slug", "nominations_close", "ballot_opens", "ballot_closes")
            .order_by("ballot_opens", "name")
        ),
    )


@require_safe
@public_page(extra_etag=_calls_to_action, shows=("articles", "elections"))
def home(request):
    """The front page: latest articles and the current calls to action.

    WordPress addresses like /?p=123 arrive here and are redirected.
    """
    post_id = request.GET.get("p", "")
    if post_id.isascii() and post_id.isdigit():  # not "²", which isdigit() accepts
        target = Redirect.target_url(f"/?p={int(post_id)}")
        if target:
            return HttpResponsePermanentRedirect(target)
    # The same for every reader of this version of the articles: built once.
    latest = fragment(
        f"campaign:home-latest:{content_version(request)[1]}",
        ("articles",),
        lambda: render_to_string("campaign/_home_latest.html", _latest_articles()),
    )
    return render(
        request,
        "campaign/home.html",
        {"latest_articles": latest, "calls": _calls_to_action(request)},
    )


def _latest_articles() -> dict:
    latest = list(Article.objects.published().for_listing()[:7])
    return {"lead": latest[0] if latest else None, "latest": latest[1:]}


def _moved(slug: str):
    """A renamed election's old slate address: a permanent redirect, or 404."""
    old = ElectionRedirect.objects.filter(old_slug=slug, election__is_published=True)
    found = old.select_related("election").only("election__slug").first()
    if found is None:
        raise Http404("No such election.")
    return HttpResponsePermanentRedirect(found.election.get_absolute_url())


def _published(slug: str) -> Election:
    return get_object_or_404(Election.objects.published().select_related("group"), slug=slug)


@require_safe
@shows("elections", "structure")
def election_list(request):
    """Every published election: those still to come or running first, then past ones."""
    today = timezone.localdate()
    elections = list(Election.objects.published().select_related("group").order_by("-ballot_opens"))
    return render(
        request,
        "campaign/election_list.html",
        {
            "current": [e for e in elections if e.ballot_closes >= today][::-1],
            "past": [e for e in elections if e.ballot_closes < today],
        },
    )


SLATE_SHOWS = ("elections", "slates", "structure")  # page cache topics


@require_safe
@shows(*SLATE_SHOWS)
def slate(request, slug):
    """Our candidates by position, and how to get them nominated at your AGM."""
    try:
        election = _published(slug)
    except Http404:
        return _moved(slug)
    # The same for every reader until the slate changes: built once per change.
    positions = fragment(
        f"slate:{election.pk}",
        SLATE_SHOWS,
        lambda: render_to_string(
            "campaign/_slate_positions.html",
            {"election": election, "positions": selectors.slate(election)},
        ),
    )
    rules = [r for r in NoticeRule.objects.all() if r.applies_to in ("", BranchMeeting.Kind.AGM)]
    closes = dateformat.format(election.nominations_close, "j F Y")
    return render(
        request,
        "campaign/election_detail.html",
        {
            "election": election,
            "slate_positions": positions,
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


# The national sheet's heading and file name, where a group's sheet has the group's.
NATIONAL_SHEET = Group(name="all", code="national")


@require_safe
def nominations_sheet(request, group_code=None):
    """What a member takes to their AGM: one line per position, ready to move.

    Without a group: the national elections (the NEC), which every branch nominates in.
    """
    if group_code is None:
        group = NATIONAL_SHEET
        elections = selectors.open_elections_for_group(None)
    else:
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


@contact_link_required
def report(request, slug, *, link):
    """A branch contact sets the AGM date and reports the AGM's nominations."""
    election = get_object_or_404(Election.objects.published(), slug=slug)
    branch = link.branch
    if not election.open_to(branch):
        return link_invalid(request, _back_to_slate(election))
    page = selectors.contact_report(election=election, branch=branch)
    action = request.POST.get("action") if request.method == "POST" else None
    agm_form, nominations_form, reporter_form = _report_forms(request, action, election, page, link)
    today = timezone.localdate()
    report_errors = []
    if action == "agm" and agm_form.is_valid():
        try:
            services.meeting_set(
                branch=branch,
                date=agm_form.cleaned_data["date"],
                place=agm_form.cleaned_data["place"],
                meeting=page.agm,
            )
        except ValidationError as exc:
            for message in exc.messages:
                agm_form.add_error("date", message)
        else:
            return _back(request, election, "agm")
    if action == "nominations":
        try:
            rules.check_can_report(page.meeting, today=today)
        except ValidationError as exc:
            report_errors += exc.messages
        # Both forms are checked even when the rule says no, so every problem shows.
        forms_ok = nominations_form.is_valid() & reporter_form.is_valid()
        if forms_ok and not report_errors:
            try:
                services.nomination_report(
                    meeting=page.meeting,
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
    # The address holds the token: the site-wide "same-origin" referrer policy
    # keeps it from other sites. ("no-referrer" would make browsers post this
    # form with "Origin: null", which the CSRF check rightly refuses.)
    return render(
        request,
        "campaign/report.html",
        {
            "election": election,
            "link": link,
            "token": link_token(request),
            "meeting": page.meeting,
            "agm_form": agm_form,
            "nominations_form": nominations_form,
            "reporter_form": reporter_form,
            "errors": errors,
            "saved": request.GET.get("saved", ""),
            "today": today,
        },
        status=400 if errors else 200,
    )


def _report_forms(request, action, election, page, link):
    """The report page's three forms, bound to the POST only for the action it names."""
    meeting = page.meeting
    agm_form = AgmDateForm(
        request.POST if action == "agm" else None,
        election=election,
        initial={"date": meeting.date, "place": meeting.place} if meeting else None,
        prefix="agm",
    )
    nominations_form = NominationsForm(
        request.POST if action == "nominations" else None,
        positions=page.positions,
        current=page.current,
        prefix="nom",
    )
    reporter_form = ReporterForm(
        request.POST if action == "nominations" else None,
        initial={"reported_by": link.contact_name},
        prefix="who",
    )
    return agm_form, nominations_form, reporter_form


def _back(request, election, saved):
    # The token goes back into the address so the page can be reloaded; the
    # site's same-origin referrer policy keeps it from other sites.
    token = request.POST.get("token", "")
    url = reverse("campaign:report", args=[election.slug])
    return redirect(f"{url}?{urlencode({'token': token, 'saved': saved})}")


def _back_to_slate(election) -> dict:
    if not election.is_published:
        return {}
    return {
        "back_url": reverse("campaign:slate", args=[election.slug]),
        "back_label": f"See our candidates for {election.name}",
    }
