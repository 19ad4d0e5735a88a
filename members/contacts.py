"""Branch contacts: the pages their personal link opens, and the view decorator.

A branch contact holds one signed link (``BranchContactLink``) and reports
for their branch on whatever pages the apps offer: the campaign app's AGM
report, the ballots app's readiness and turnout. Members knows none of them:
each app lists its pages from its ``AppConfig.contact_report_pages(link,
token)``, and its report views take the link through ``contact_link_required``.
"""

import functools
from dataclasses import dataclass, field

from django.apps import apps
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.ratelimit import ratelimit
from members.models import BranchContactLink

INVALID_TEMPLATE = "members/contact_invalid.html"


@dataclass(frozen=True)
class ReportPage:
    """A page a branch contact reports on, as their email lists it."""

    title: str
    about: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, absolute URL)
    empty: str = ""  # said instead when there are no links


def report_pages(link: BranchContactLink, token: str) -> list[ReportPage]:
    """Every app's pages for this link, in the order the apps are installed."""
    pages = []
    for config in apps.get_app_configs():
        provider = getattr(config, "contact_report_pages", None)
        if provider is not None:
            pages += provider(link, token)
    return pages


def link_token(request) -> str:
    """The token of a report page's request: in the address, or in the form posted."""
    return (request.POST if request.method == "POST" else request.GET).get("token", "")


def link_invalid(request, context=None):
    """The page for a link that does not open (unknown, expired, withdrawn, elsewhere)."""
    return render(request, INVALID_TEMPLATE, context or {}, status=403)


def contact_link_required(view):
    """Give the view the live link of the request's token as ``link``, or refuse.

    Signed links are guessed by trying tokens, so GETs count against the
    "manage" rate limit as well as POSTs.
    """

    @never_cache
    @require_http_methods(["GET", "POST"])
    @ratelimit("manage", methods=("GET", "POST"))
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        link = BranchContactLink.from_token(link_token(request))
        if link is None:
            return link_invalid(request)
        return view(request, *args, link=link, **kwargs)

    return wrapped
