"""Public event pages: the list, one event, its reply form, cancelling, calendar files.

The list and event pages show counts of places taken and are page-cached under
the "events" topic, which every save of an event or a reply makes stale
(CampaignConfig.public_models). The reply form and the cancel link are never
cached (PAGE_CACHE_EXCLUDE).
"""

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from campaign.events import ical, services
from campaign.events.forms import RSVPForm
from campaign.models import Event
from core.forms import error_summary
from core.pagecache import shows
from core.ratelimit import ratelimit
from members.broadcasts.rendering import render as render_markdown


def _published():
    return Event.objects.published().select_related("branch").with_places_taken()


def _event(slug) -> Event:
    return get_object_or_404(_published(), slug=slug)


@shows("events")
def event_list(request):
    now = timezone.now()
    upcoming = list(_published().upcoming(now))
    return render(request, "campaign/event_list.html", {"events": upcoming})


@shows("events")
def event_detail(request, slug):
    event = _event(slug)
    context = {
        "event": event,
        "description": render_markdown(event.description).html,
        "places_left": None if event.capacity is None else max(event.capacity - event.taken, 0),
        "open": event.starts_at > timezone.now(),
    }
    return render(request, "campaign/event_detail.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("rsvp")
def event_rsvp(request, slug):
    """The reply form. Every reply taken ends on the same page, whoever the address is."""
    event = _event(slug)
    form = RSVPForm(request.POST if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            services.rsvp_create(
                event=event,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                branch=form.cleaned_data["branch"],
                consent_version=form.cleaned_data["consent_version"],
            )
        except services.EventError as error:
            problem = str(error)
        else:
            return redirect("campaign:event_rsvp_done", slug=event.slug)
    errors = error_summary(form, extra=[problem] if problem else [])
    return render(
        request,
        "campaign/event_rsvp.html",
        {"event": event, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


def event_rsvp_done(request, slug):
    return render(request, "campaign/event_rsvp_done.html", {"event": _event(slug)})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("confirm", methods=("GET", "HEAD", "POST"))
def event_cancel(request, token):
    """Show a Cancel button; only the POST cancels (mail scanners follow links)."""
    rsvp = services.rsvp_from_token(token)
    if rsvp is None:
        return render(request, "members/link_invalid.html", status=400)
    if request.method == "POST":
        services.rsvp_cancel(rsvp=rsvp)
        rsvp.refresh_from_db()
    response = render(request, "campaign/event_cancel.html", {"rsvp": rsvp, "event": rsvp.event})
    response["X-Robots-Tag"] = "noindex"
    return response


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@shows("events")
def event_ical(request, slug):
    event = _event(slug)
    return _ics(ical.calendar([event], name=event.title), f"{event.slug}.ics")


@shows("events")
def event_feed(request):
    # A year back and everything ahead: enough for any calendar, bounded in size.
    since = timezone.now() - timedelta(days=365)
    events = Event.objects.published().filter(ends_at__gte=since).order_by("starts_at", "pk")
    return _ics(ical.calendar(events, name="Rank and File events"), "events.ics")
