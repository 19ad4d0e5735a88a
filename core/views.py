from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request):
    """Answer 200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect.

    Container health checks and load balancers call an app server directly, over
    plain HTTP and by an internal address that is neither an allowed host nor
    HTTPS. The answer says only whether the database answers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


@require_safe
def robots_txt(request):
    """Let search engines index the public site, never the admin or private links."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /join/confirm/",
        "Disallow: /me/",
        "Disallow: /unsubscribe/",
        "Disallow: /calendar/",
        "Disallow: /events/cancel/",
        "Disallow: /petitions/confirm/",
        "Disallow: /ballots/voted/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
