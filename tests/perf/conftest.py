import pytest


@pytest.fixture
def page_cache(settings, db):
    """Switch the page cache on (the test settings keep it off for app tests)."""
    settings.PAGE_CACHE_ENABLED = True
    return settings
