"""Cross-cutting protection: error pages that survive a database outage, and
serving uploaded files so they can never run as a web page."""

import logging
import mimetypes
import sys
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

from core.context_processors import site

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def _render_without_request(template_name: str) -> str:
    # No request, so only the site's own context: the other context processors
    # would read the session or the user from the database that is failing.
    return loader.get_template(template_name).render(site(request=None))


def server_error(request, template_name="500.html"):
    """handler500: a 503 with a retry message when the database is down, else a 500.

    Django calls this inside its exception handler, so sys.exc_info() is the
    error that ended the request, wherever it was raised (view or middleware).
    """
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_DOWN):
        response = HttpResponse(_render_without_request("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(_render_without_request(template_name))


# Served inline: the image types uploads.validate_image accepts, and PDF. Every
# other file is a download; nothing is ever served as HTML, SVG or script.
INLINE_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/pdf",
}


@require_safe
def serve_media(request, path: str):
    """Serve an uploaded file with headers that stop it running as a page.

    - ``X-Content-Type-Options: nosniff`` so the browser trusts our type, not the bytes;
    - ``Content-Security-Policy: sandbox`` so even a mis-typed file has no origin
      and cannot run script;
    - anything that is not an image or PDF is ``application/octet-stream`` and an
      attachment.
    """
    if not settings.SERVE_MEDIA:
        raise Http404
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
    except Exception as exc:  # SuspiciousFileOperation and friends: not found
        raise Http404 from exc
    if not full.is_file():
        raise Http404
    content_type, encoding = mimetypes.guess_type(full.name)
    inline = content_type in INLINE_TYPES and encoding is None
    response = FileResponse(
        full.open("rb"),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=full.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "public, max-age=86400"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def axes_client_ip(request) -> str | None:
    """The client address for login lockout: the one the rate limits use, or None.

    That is the socket address, or the one a proxy in TRUSTED_PROXIES forwarded
    (core/proxies.py), never a forwarded header from anyone else. Requests made
    without a network peer (``force_login``, management commands) have no
    address; django-axes stores None for them.
    """
    import ipaddress

    from core.proxies import client_address

    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
