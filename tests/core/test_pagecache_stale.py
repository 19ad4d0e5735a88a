"""The page cache under change: what a change retires, stale copies within a bound,
one rebuild for many readers, and the headers a proxy or CDN reads."""

import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.http import HttpResponse
from django.urls import path

from articles.models import Article
from campaign.models import NoticeRule
from core import pagecache
from core.pagecache.store import REBUILD_KEY_SUFFIX, page_key
from tests.articles.factories import ArticleFactory
from tests.campaign.factories import ElectionFactory

pytestmark = pytest.mark.django_db


def _rebuilding_elsewhere(client, url):
    """Hold the page's rebuild mark, as another request rebuilding it would."""
    request = client.get(url).wsgi_request  # any request for the same address
    key = page_key(request) + REBUILD_KEY_SUFFIX
    assert caches["default"].add(key, "1", 600)
    return key


def test_a_change_retires_only_pages_that_show_it(client, page_cache):
    """A slate change (a notice rule) retires the slate page, not the articles; an article
    change retires the articles and the home page, not the slate."""
    article = ArticleFactory().get_absolute_url()
    slate = ElectionFactory(slug="nec-2027").get_absolute_url()
    for url in (article, slate, "/"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"

    NoticeRule.objects.create(label="Posters up in every workplace", amount=28)
    assert client.get(article)["X-Page-Cache"] == "hit"
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert client.get(slate)["X-Page-Cache"] == "miss"

    ArticleFactory(title="New one")
    assert client.get(slate)["X-Page-Cache"] == "hit"
    assert client.get(article)["X-Page-Cache"] == "miss"
    assert b"New one" in client.get("/").content


def test_a_page_that_says_nothing_is_retired_by_any_change(client, page_cache):
    """The sitemap declares no topics: a change to anything public retires it."""
    ArticleFactory()
    client.get("/sitemap.xml")
    assert client.get("/sitemap.xml")["X-Page-Cache"] == "hit"
    pagecache.invalidate(["ballots"])
    assert client.get("/sitemap.xml")["X-Page-Cache"] == "miss"


def test_every_topic_a_page_shows_is_made_stale_by_some_model():
    """A topic no model names would never go stale: the views name declared ones."""
    assert set(pagecache.all_topics()) >= {"articles", "elections", "slates", "structure"}


def test_stale_copy_is_served_while_another_request_rebuilds(client, page_cache, settings):
    """Within the bound a reader gets the old copy at once; past it, the new page."""
    settings.PAGE_CACHE_STALE_SECONDS = 5
    settings.PAGE_CACHE_WAIT_SECONDS = 0.1
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        article = ArticleFactory(title="First headline")
        url = article.get_absolute_url()
        client.get(url)
        held = _rebuilding_elsewhere(client, url)
        clock.shift(timedelta(seconds=1))
        article.title = "Second headline"
        article.save()

        clock.shift(timedelta(seconds=4))
        stale = client.get(url)
        assert stale["X-Page-Cache"] == "stale"
        assert b"First headline" in stale.content

        clock.shift(timedelta(seconds=2))  # 6 s after the change: past the bound
        fresh = client.get(url)
        assert b"Second headline" in fresh.content
        assert fresh["X-Page-Cache"] != "stale"
    caches["default"].delete(held)


def test_a_page_past_its_time_is_served_stale_within_the_bound(client, page_cache, settings):
    """Expiry (PAGE_CACHE_TIMEOUT) is a change too: the same bound applies."""
    settings.PAGE_CACHE_TIMEOUT = 60
    settings.PAGE_CACHE_WAIT_SECONDS = 0.1
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        url = ArticleFactory().get_absolute_url()
        client.get(url)
        held = _rebuilding_elsewhere(client, url)
        clock.shift(timedelta(seconds=62))
        assert client.get(url)["X-Page-Cache"] == "stale"
        clock.shift(timedelta(seconds=5))
        assert client.get(url)["X-Page-Cache"] != "stale"
    caches["default"].delete(held)


def test_the_rebuilding_request_itself_builds_the_new_page(client, page_cache):
    """Nobody else rebuilding: the reader rebuilds, and gets the new page (no stale copy)."""
    article = ArticleFactory(title="Before")
    url = article.get_absolute_url()
    client.get(url)
    article.title = "After"
    article.save()
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert b"After" in response.content


def test_shared_cache_headers_on_stored_pages_only(client, page_cache, settings):
    """Public pages tell a proxy or CDN how long to keep them and serve them stale;
    the join form, the admin and a signed-in organiser's pages never say so."""
    settings.PAGE_CACHE_STALE_SECONDS = 5
    settings.PAGE_CACHE_SHARED_MAX_AGE = 5
    url = ArticleFactory().get_absolute_url()
    for response in (client.get(url), client.get(url)):
        control = response["Cache-Control"]
        assert "s-maxage=5" in control
        assert "stale-while-revalidate=5" in control
        assert "public" in control
        assert "Cookie" in response["Vary"]
    for other in ("/join/", "/admin/login/"):
        assert "s-maxage" not in client.get(other).get("Cache-Control", "")


def test_hits_keep_the_security_headers_and_get_their_own_request_id(client, page_cache):
    """A hit is served before the security middleware: its headers come from the stored page."""
    url = ArticleFactory().get_absolute_url()
    first = client.get(url)
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    for header in ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy"):
        assert second[header] == first[header]
    assert second["X-Request-ID"] != first["X-Request-ID"]


# Many readers at once, through a real threaded server ------------------------------------

BUILDS = {"count": 0}
_builds_lock = threading.Lock()


def _slow_page(request):
    with _builds_lock:
        BUILDS["count"] += 1
    time.sleep(0.5)
    return HttpResponse(f"built {time.time()}")


urlpatterns = [path("articles/slow/", _slow_page)]


def _fetch(url):
    with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - the live server
        return response.headers.get("X-Page-Cache"), response.read()


@pytest.mark.django_db(transaction=True)
def test_concurrent_misses_trigger_one_rebuild(live_server, page_cache, settings):
    """Eight readers arrive at once at a page nobody has stored: the view runs once."""
    settings.ROOT_URLCONF = __name__
    BUILDS["count"] = 0
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(_fetch, [live_server.url + "/articles/slow/"] * 8))
    assert BUILDS["count"] == 1
    assert len({body for _, body in results}) == 1
    assert sorted(how for how, _ in results) == ["hit"] * 7 + ["miss"]


@pytest.mark.django_db(transaction=True)
def test_under_load_a_publish_is_visible_within_the_bound(live_server, page_cache, settings):
    """Readers hammer the article list; an article is published: every answer that began
    more than PAGE_CACHE_STALE_SECONDS after the commit shows it, and the page is rebuilt
    a handful of times, not once per reader."""
    settings.PAGE_CACHE_STALE_SECONDS = 2
    ArticleFactory(title="Older news")
    url = live_server.url + "/articles/"
    seen = []  # (began, shows the new article, X-Page-Cache)
    stop = threading.Event()

    def read():
        while not stop.is_set():
            began = time.time()
            how, body = _fetch(url)
            seen.append((began, b"Fresh publication" in body, how))

    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(read) for _ in range(4)]
        time.sleep(1.0)
        ArticleFactory(title="Fresh publication", status=Article.Status.PUBLISHED)
        committed = time.time()
        time.sleep(settings.PAGE_CACHE_STALE_SECONDS + 1.5)
        stop.set()
        for reader in readers:
            reader.result()

    late = [shows for began, shows, _ in seen if began > committed + 2]
    assert late
    assert all(late)
    assert not any(shows for began, shows, _ in seen if began < committed - 0.5)
    after = [how for began, _, how in seen if began > committed]
    assert after.count("miss") <= 3, after


def test_the_keys_change_with_the_code(tmp_path):
    """A deploy that changes a template or a view never reads the old release's pages."""
    from core.pagecache.store import code_stamp

    (tmp_path / "templates").mkdir()
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "apps.py").write_text("# app\n")
    (tmp_path / "shop" / "views.py").write_text("x = 1\n")
    (tmp_path / "templates" / "base.html").write_text("<link href=/static/a.1.css>")
    first = code_stamp(tmp_path)
    assert code_stamp(tmp_path) == first
    (tmp_path / "templates" / "base.html").write_text("<link href=/static/a.2.css>")
    second = code_stamp(tmp_path)
    assert second != first
    (tmp_path / "shop" / "views.py").write_text("x = 2\n")
    third = code_stamp(tmp_path)
    assert third not in (first, second)
    (tmp_path / "notes.py").write_text("outside any app\n")  # not code that serves pages
    assert code_stamp(tmp_path) == third


def test_two_changes_at_once_never_leave_a_page_fresh():
    """Two invalidations that read a topic's version at the same moment both write a
    new one, and the last write wins: one change time is lost. A page built before
    both, or between them with the lost token, is still stale (never served as
    fresh), and never stale since before its build."""
    from django.core.cache.backends.locmem import LocMemCache

    from core.pagecache.store import TOPIC_KEY_PREFIX
    from core.pagecache.topics import bump, stale_since

    key = TOPIC_KEY_PREFIX + "articles"
    shared = LocMemCache("race", {})
    shared.set(key, ("t0", ()), None)
    both_read = threading.Barrier(2)
    written = {}

    class Interleaved:
        """The shared cache, with each writer held until both have read the version."""

        def get_many(self, keys):
            found = shared.get_many(keys)
            both_read.wait(timeout=5)
            return found

        def set_many(self, data, timeout):
            written[threading.current_thread().name] = data[key][0]
            shared.set_many(data, timeout)

    threads = [
        threading.Thread(target=bump, args=(Interleaved(), ("articles",), now), name=str(now))
        for now in (1001.0, 1002.0)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    token, times = shared.get(key)
    assert token in written.values()
    assert token != "t0"
    assert len(times) == 1  # one change time was lost
    found = {key: (token, times)}
    before_both = {"versions": {"articles": "t0"}, "built": 1000.0, "expires": 9e9}
    assert stale_since(before_both, found, 1003.0) in (0.0, 1001.0, 1002.0)
    lost = next(t for t in written.values() if t != token)
    between = {"versions": {"articles": lost}, "built": 1001.5, "expires": 9e9}
    since = stale_since(between, found, 1003.0)
    assert since is not None
    assert since == 0.0 or since >= 1001.5
