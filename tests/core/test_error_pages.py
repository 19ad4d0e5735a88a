"""Error pages: a database outage is a 503 with a retry message, never a stack trace."""

import pytest
from django.test import Client

pytestmark = [
    pytest.mark.usefixtures("two_factor_on"),
    pytest.mark.django_db,
    pytest.mark.urls("tests.core.urls_faulty"),
]


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", ["/fault/db-gone/", "/fault/connection-closed/"])
def test_database_outage_is_a_503_with_retry(browser, url):
    """OperationalError / InterfaceError give 503, Retry-After and a plain retry message."""
    response = browser.post(url, {"name": "x"})
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Please try again" in html
    assert "Nothing has been saved" in html
    assert "Traceback" not in html
    assert "OperationalError" not in html


def test_other_errors_are_a_500_page(browser):
    """Any other error is the friendly 500 page, not a stack trace."""
    response = browser.get("/fault/bug/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem" in html
    assert "ValueError" not in html


def test_not_found_page(client):
    """Unknown addresses get the site's 404 page."""
    response = client.get("/no-such-page-here/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["400.html", "404.html", "500.html", "503.html", "too_many_requests.html"]
)
def test_error_templates_extend_the_site_shell(name):
    """Every error page is the normal site page with its header and footer."""
    from django.template import loader

    html = loader.get_template(name).render({"SITE_NAME": "Rank and File"})
    assert 'class="site-header"' in html
    assert "<h1>" in html


def test_a_request_too_large_to_read_gets_a_plain_language_400(client, settings):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: the site's page, not Django's bare one."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/join/", {"name": "x" * 2000})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Something was wrong with that request" in html
    assert "Nothing has been saved" in html
