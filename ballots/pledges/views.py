"""Public 'I've voted' pages: the form that emails a member their link, and the link."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ballots.models import Ballot
from ballots.pledges import services
from ballots.pledges.forms import PledgeForm
from core.forms import error_summary
from core.ratelimit import ratelimit


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("pledge")
def pledge_form(request, pk):
    """Every valid request ends on the same page, member or not."""
    ballot = get_object_or_404(Ballot, pk=pk)
    form = PledgeForm(request.POST if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            services.pledge_link_request(
                ballot=ballot,
                email=form.cleaned_data["email"],
                consent_version=form.cleaned_data["consent_version"],
            )
        except services.PledgeError as error:
            problem = str(error)
        else:
            return redirect("ballots:pledge_sent", pk=ballot.pk)
    errors = error_summary(form, extra=[problem] if problem else [])
    return render(
        request,
        "ballots/pledge_form.html",
        {"ballot": ballot, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


def pledge_sent(request, pk):
    return render(request, "ballots/pledge_sent.html", {"ballot": get_object_or_404(Ballot, pk=pk)})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("confirm", methods=("GET", "HEAD", "POST"))
def pledge_confirm(request, token):
    """Show an "I've voted" button; only the POST records it (mail scanners follow links)."""
    found = services.read_pledge_token(token)
    if found is None:
        return render(request, "members/link_invalid.html", status=400)
    member, ballot, version = found
    done, problem = False, None
    if request.method == "POST":
        try:
            services.pledge_record(member=member, ballot=ballot, consent_version=version)
            done = True
        except services.PledgeError as error:
            problem = str(error)
    already = ballot.pledges.filter(member=member).exists()
    response = render(
        request,
        "ballots/pledge_confirm.html",
        {"ballot": ballot, "done": done or already, "problem": problem},
        status=400 if problem else 200,
    )
    response["X-Robots-Tag"] = "noindex"
    return response
