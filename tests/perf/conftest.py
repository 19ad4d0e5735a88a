import pytest

from campaign import pagecache


@pytest.fixture
def page_cache(settings, db):
    """Switch the page cache on (the test settings keep it off for app tests)."""
    settings.PAGE_CACHE_ENABLED = True
    yield settings
    pagecache.listener.close()  # its connection would keep the test database open
