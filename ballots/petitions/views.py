"""Public petition pages: the petition with its live count, the signature form,
the page after signing and the confirm link.

The petition page is page-cached under the "petitions" topic, which every
save of a petition or a signature makes stale (BallotsConfig.public_models),
so a confirmed signature shows in the count at once. The form and the
confirm link are never cached (PAGE_CACHE_EXCLUDE).
"""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ballots.models import Petition
from ballots.petitions import services
from ballots.petitions.forms import SignatureForm
from core.forms import error_summary
from core.pagecache import shows
from core.ratelimit import client_ip, ratelimit
from members.broadcasts.rendering import render as render_markdown


def _petition(slug) -> Petition:
    return get_object_or_404(Petition.objects.published().with_count(), slug=slug)


@shows("petitions")
def petition_detail(request, slug):
    petition = _petition(slug)
    return render(
        request,
        "ballots/petition_detail.html",
        {
            "petition": petition,
            "text": render_markdown(petition.text).html,
            "percent": min(100, round(100 * petition.signed / petition.target)),
            "open": petition.deadline >= timezone.localdate(),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("sign")
def petition_sign(request, slug):
    """The signature form. Every signature taken ends on the same page."""
    petition = _petition(slug)
    form = SignatureForm(request.POST if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            services.signature_create(
                petition=petition,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                branch=form.cleaned_data["branch"],
                workplace=form.cleaned_data["workplace"],
                consent_version=form.cleaned_data["consent_version"],
            )
        except services.PetitionError as error:
            problem = str(error)
        else:
            return redirect("ballots:petition_signed", slug=petition.slug)
    errors = error_summary(form, extra=[problem] if problem else [])
    return render(
        request,
        "ballots/petition_sign.html",
        {"petition": petition, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


def petition_signed(request, slug):
    return render(request, "ballots/petition_signed.html", {"petition": _petition(slug)})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("confirm", methods=("GET", "HEAD", "POST"))
def petition_confirm(request, token):
    """Show a Confirm button; only the POST confirms (mail scanners follow links)."""
    signature = services.signature_from_token(token)
    if signature is None:
        return render(request, "members/link_invalid.html", status=400)
    if request.method == "POST":
        services.signature_confirm(signature=signature, ip=client_ip(request))
        signature.refresh_from_db()
    response = render(
        request,
        "ballots/petition_confirm.html",
        {"signature": signature, "petition": signature.petition},
    )
    response["X-Robots-Tag"] = "noindex"
    return response
