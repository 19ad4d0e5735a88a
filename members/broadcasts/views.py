"""The public unsubscribe page of every broadcast (RFC 8058 one-click)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.ratelimit import ratelimit
from members.broadcasts import mail, services
from members.models import ConsentKind


@csrf_exempt  # RFC 8058: the mailbox provider POSTs with no cookies; the signed token is the proof
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("unsubscribe", methods=("GET", "HEAD", "POST"))
def unsubscribe(request, token):
    """GET shows a button (link scanners follow links); only the POST unsubscribes."""
    found = mail.read_unsubscribe_token(token)
    if found is None:
        return _private(render(request, "members/link_invalid.html", status=400))
    member_id, kind, broadcast_id = found
    context = {"consent": ConsentKind(kind).label.lower()}
    if request.method == "POST":
        services.broadcast_unsubscribe(member_id=member_id, kind=kind, broadcast_id=broadcast_id)
        return _private(render(request, "members/broadcast_unsubscribed.html", context))
    return _private(render(request, "members/broadcast_unsubscribe.html", context))


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
