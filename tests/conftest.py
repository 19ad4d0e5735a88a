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

    cache.clear()
    yield
