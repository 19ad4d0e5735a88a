import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Keep uploads made by tests out of the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Each database test starts with an empty shared cache (page cache, rate limits)."""
    if "django_db" not in {m.name for m in request.node.iter_markers()} and not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ):
        yield
        return
    from django.core.cache import cache

    from core import pagecache

    cache.clear()
    yield
    # Page fragments open the page cache's LISTEN connection even with the page
    # cache off: what it kept (and the connection) belongs to this test's data.
    pagecache.listener.close()


@pytest.fixture
def two_factor_on(settings):
    """Require two-factor login, as production does (the test settings turn it off)."""
    settings.OTP_REQUIRED_FOR_STAFF = True


@pytest.fixture
def page_cache(settings, db):
    """Switch the page cache on (the test settings keep it off for app tests)."""
    from core import pagecache

    settings.PAGE_CACHE_ENABLED = True
    yield settings
    pagecache.listener.close()  # its connection would keep the test database open
