"""The shared page cache: what it stores, for whom, and when it lets go."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from articles.services import article_save
from core import pagecache
from tests.articles.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db


def _get(client, url, **extra):
    return client.get(url, **extra)


def _sign_in(client, user):
    """A signed-in session, as the admin login leaves it (without the login form's signals)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def test_second_anonymous_get_is_a_hit(client, page_cache):
    """The first GET builds the page and stores it; the next is served from the cache."""
    article = ArticleFactory(title="Pay offer rejected")
    url = article.get_absolute_url()
    first = _get(client, url)
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    second = _get(client, url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_query_string_is_part_of_the_key(client, page_cache):
    """/search/?q=a and /search/?q=b are different pages."""
    ArticleFactory(title="Strike ballot opens")
    assert _get(client, "/search/?q=strike")["X-Page-Cache"] == "miss"
    assert _get(client, "/search/?q=ballot")["X-Page-Cache"] == "miss"
    assert _get(client, "/search/?q=strike")["X-Page-Cache"] == "hit"


def test_head_is_served_from_the_get_entry(client, page_cache):
    """A HEAD after a GET is a hit with the headers and no body."""
    url = ArticleFactory().get_absolute_url()
    body = _get(client, url).content
    head = client.head(url)
    assert head["X-Page-Cache"] == "hit"
    assert head.content == b""
    assert int(head["Content-Length"]) == len(body)


def test_conditional_get_of_a_cached_page_answers_304(client, page_cache):
    """A reader who has the page gets 304 from the cache without a body."""
    url = ArticleFactory().get_absolute_url()
    first = _get(client, url)
    assert first.has_header("ETag")
    again = _get(client, url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_signed_in_organiser_never_gets_nor_fills_the_cache(client, page_cache):
    """An organiser's pages (which may show drafts and their name) are never shared."""
    url = ArticleFactory().get_absolute_url()
    organiser = get_user_model().objects.create_user(
        "organiser", password="correct horse battery", is_staff=True
    )
    _sign_in(client, organiser)
    for _ in range(2):
        response = _get(client, url)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    client.cookies.clear()
    assert _get(client, url)["X-Page-Cache"] == "miss"  # nothing stored meanwhile


def test_any_session_cookie_bypasses_a_stored_page(client, page_cache):
    """A stored anonymous page is not replayed to a request carrying a session."""
    url = ArticleFactory().get_absolute_url()
    _get(client, url)
    assert _get(client, url)["X-Page-Cache"] == "hit"
    organiser = get_user_model().objects.create_user("o2", is_staff=True)
    _sign_in(client, organiser)
    assert "X-Page-Cache" not in _get(client, url)


@pytest.mark.parametrize(
    ("make_response", "why"),
    [
        (lambda r: _with_cookie(HttpResponse("hi")), "sets a cookie"),
        (lambda r: _with_header(HttpResponse("hi"), "Cache-Control", "private"), "private"),
        (lambda r: _with_header(HttpResponse("hi"), "Cache-Control", "no-store"), "no-store"),
        (lambda r: _with_header(HttpResponse("hi"), "Vary", "Accept-Language"), "varies"),
        (lambda r: HttpResponse("gone", status=404), "not a 200"),
    ],
)
def test_responses_that_are_not_shareable_are_not_stored(rf, page_cache, make_response, why):
    """Set-Cookie, private/no-store, Vary beyond Cookie and non-200 are never stored."""
    calls = []

    def view(request):
        calls.append(1)
        return make_response(request)

    middleware = pagecache.PageCacheMiddleware(view)
    for _ in range(2):
        response = middleware(rf.get("/articles/x/"))
        assert "X-Page-Cache" not in response, why
    assert len(calls) == 2, why


def _with_cookie(response):
    response.set_cookie("csrftoken", "abc")
    return response


def _with_header(response, name, value):
    response[name] = value
    return response


def test_join_form_is_never_cached(client, page_cache):
    """Forms (CSRF cookie) and excluded paths go to the view every time."""
    for _ in range(2):
        response = _get(client, "/join/")
        assert "X-Page-Cache" not in response


def test_only_listed_paths_are_considered(settings):
    """Personal links, previews and the admin are excluded whatever they answer."""
    assert pagecache.path_is_cacheable("/")
    assert pagecache.path_is_cacheable("/articles/some-article/")
    assert pagecache.path_is_cacheable("/elections/nec-2027/")
    assert not pagecache.path_is_cacheable("/articles/preview/secret/")
    assert not pagecache.path_is_cacheable("/elections/nec-2027/report/")
    assert not pagecache.path_is_cacheable("/me/token/")
    assert not pagecache.path_is_cacheable("/admin/")
    assert not pagecache.path_is_cacheable("/join/")


def test_saving_an_article_invalidates_every_page(client, page_cache):
    """An edit shows at once on the article and on the home page."""
    article = ArticleFactory(title="Old headline")
    url = article.get_absolute_url()
    _get(client, url)
    _get(client, "/")
    assert _get(client, "/")["X-Page-Cache"] == "hit"
    article.title = "New headline"
    article_save(article=article)
    response = _get(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert b"New headline" in response.content
    assert b"New headline" in _get(client, "/").content


def test_withdrawing_an_article_removes_it_at_once(client, page_cache):
    """A withdrawn article is gone from its cached page."""
    article = ArticleFactory(title="Withdraw me")
    url = article.get_absolute_url()
    assert _get(client, url).status_code == 200
    assert _get(client, url)["X-Page-Cache"] == "hit"
    article.status = Article.Status.WITHDRAWN
    article_save(article=article)
    assert _get(client, url).status_code in (404, 410)


def test_changing_tags_invalidates(client, page_cache):
    """Adding a tag (a many-to-many change, no save) shows on the tag archive."""
    tag = TagFactory(name="Pensions", slug="pensions")
    article = ArticleFactory(title="Pension scheme changes")
    url = tag.get_absolute_url()
    assert b"Pension scheme changes" not in _get(client, url).content
    assert _get(client, url)["X-Page-Cache"] == "hit"
    article.tags.add(tag)
    assert b"Pension scheme changes" in _get(client, url).content


def test_deleting_a_tag_invalidates(client, page_cache):
    """A deletion is a change too."""
    tag = TagFactory()
    ArticleFactory(tags=[tag])
    url = tag.get_absolute_url()
    assert _get(client, url).status_code == 200
    tag.delete()
    assert _get(client, url).status_code == 404


def test_invalidation_is_shared_between_app_servers(client, page_cache):
    """The generation lives in the shared cache: another server's save retires our pages."""
    url = ArticleFactory().get_absolute_url()
    _get(client, url)
    assert _get(client, url)["X-Page-Cache"] == "hit"
    pagecache.invalidate()  # what a save on any other app server does
    assert _get(client, url)["X-Page-Cache"] == "miss"


def test_scheduled_article_appears_at_its_time(client, page_cache):
    """A page stored before a scheduled publication expires when the article goes live."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        ArticleFactory(title="Already out", published_at=start - timedelta(days=1))
        ArticleFactory(
            title="Ballot result announced",
            status=Article.Status.SCHEDULED,
            published_at=start + timedelta(minutes=5),
        )
        home = _get(client, "/")
        assert b"Already out" in home.content
        assert b"Ballot result announced" not in home.content
        clock.shift(timedelta(minutes=4))  # the page cache keeps pages up to 10 minutes
        assert _get(client, "/")["X-Page-Cache"] == "hit"
        clock.shift(timedelta(minutes=1, seconds=1))
        home = _get(client, "/")
        assert home["X-Page-Cache"] == "miss"
        assert b"Ballot result announced" in home.content


def test_next_publication_is_read_from_the_articles_app(page_cache):
    """Only future published or scheduled articles count; drafts never do."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        from django.utils import timezone

        now = timezone.now()
        ArticleFactory(status=Article.Status.DRAFT, published_at=now + timedelta(minutes=5))
        assert pagecache.next_scheduled_publication() is None
        ArticleFactory(status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=2))
        ArticleFactory(status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=1))
        assert pagecache.next_scheduled_publication() == now + timedelta(hours=1)


def test_page_expires_at_local_midnight(client, page_cache):
    """Pages that show "today" are not kept past midnight (Europe/London)."""
    with time_machine.travel(datetime(2026, 7, 1, 22, 50, tzinfo=UTC), tick=False) as clock:
        url = ArticleFactory().get_absolute_url()
        _get(client, url)
        clock.shift(timedelta(minutes=9))  # 23:59 BST
        assert _get(client, url)["X-Page-Cache"] == "hit"
        clock.shift(timedelta(minutes=2))  # 00:01 BST
        assert _get(client, url)["X-Page-Cache"] == "miss"


def test_switched_off_it_stores_nothing(client, settings, db):
    """PAGE_CACHE_ENABLED=false: every request reaches the view."""
    settings.PAGE_CACHE_ENABLED = False
    url = ArticleFactory().get_absolute_url()
    for _ in range(2):
        assert "X-Page-Cache" not in _get(client, url)


def test_cached_hit_is_one_sql_query(client, page_cache, settings):
    """With the database cache a hit is one read of the generation and the page together."""
    settings.PAGE_CACHE_LISTEN = False
    url = ArticleFactory().get_absolute_url()
    _get(client, url)
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "cache_entries" in queries[0]["sql"]


def test_cached_hit_runs_no_sql_with_an_in_memory_cache(client, page_cache, settings):
    """With a cache outside the database (Redis in production) a hit runs no SQL at all."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    settings.PAGE_CACHE_ALIAS = "pages"
    url = reverse("campaign:home")
    ArticleFactory()
    _get(client, url)
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert len(queries) == 0


def test_a_process_without_the_bytes_fetches_them_once(client, page_cache, settings):
    """Another app server (no local copy) reads the bytes from the shared cache, then keeps them."""
    settings.PAGE_CACHE_LISTEN = False
    url = ArticleFactory(title="Shared bytes").get_absolute_url()
    first = _get(client, url)
    pagecache.local_bodies.clear()  # as on a process that did not build the page
    with CaptureQueriesContext(connection) as queries:
        second = _get(client, url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert _get(client, url).content == first.content
    assert len(queries) == 1


def test_missing_bytes_make_a_miss_not_an_empty_page(client, page_cache):
    """If the shared cache lost the bytes (culled), the page is built again."""
    url = ArticleFactory(title="Culled bytes").get_absolute_url()
    first = _get(client, url)
    pagecache.local_bodies.clear()
    from django.core.cache import cache

    cache.delete(pagecache.BODY_KEY_PREFIX + _digest(first.content))
    again = _get(client, url)
    assert again["X-Page-Cache"] == "miss"
    assert again.content == first.content


def _digest(body):
    import hashlib

    return hashlib.blake2b(body, digest_size=16).hexdigest()


def test_hit_runs_no_query_while_the_listener_heard_nothing(client, page_cache):
    """With LISTEN/NOTIFY a repeat hit in the same process reads nothing from the database."""
    url = ArticleFactory(title="Quiet hit").get_absolute_url()
    first = _get(client, url)
    _get(client, url)  # a hit through the shared cache; now kept by this process
    with CaptureQueriesContext(connection) as queries:
        again = _get(client, url)
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    assert len(queries) == 0


def _wait_until(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_listener_hears_a_change_committed_on_another_server(settings):
    """A NOTIFY sent at commit makes another process drop what it kept; not before commit."""
    from django.db import transaction

    settings.PAGE_CACHE_ENABLED = True
    other = pagecache._Listener()  # another app server's process
    try:
        assert other.poll()
        other.remember("generation-1", "page", {"expires": time.time() + 60})
        with transaction.atomic():
            pagecache.invalidate()
            time.sleep(0.2)
            other.poll()
            assert other.lookup("page") is not None  # not committed: nothing heard yet
        assert _wait_until(lambda: other.poll() and other.lookup("page") is None)
    finally:
        other.close()
        pagecache.listener.close()


@pytest.mark.django_db(transaction=True)
def test_a_broken_listener_falls_back_to_the_shared_cache(settings):
    """If the LISTEN connection dies, nothing kept locally is trusted any more."""
    settings.PAGE_CACHE_ENABLED = True
    other = pagecache._Listener()
    try:
        assert other.poll()
        other.remember("generation-1", "page", {"expires": time.time() + 60})
        other.conn.close()
        assert not other.poll()
        assert other.lookup("page") is None
    finally:
        other.close()


def test_query_parameters_no_page_reads_share_the_page(client, page_cache):
    """A flood of /?x=<random> is one cached page, not a new entry each (that culled the rest)."""
    from django.core.cache import cache

    _get(client, "/")
    assert _get(client, "/")["X-Page-Cache"] == "hit"
    before = _cache_rows()
    for n in range(20):
        assert _get(client, f"/?x={n}&utm_source=flood")["X-Page-Cache"] == "hit"
    assert _cache_rows() == before
    assert cache._max_entries >= 10_000  # Django's default of 300 culled real pages


def test_parameters_a_page_reads_still_make_their_own_pages(client, page_cache):
    ArticleFactory(title="Pensions at risk")
    first = _get(client, "/search/?q=pensions")
    other = _get(client, "/search/?q=parking&utm_source=x")
    assert b"Pensions at risk" in first.content
    assert b"Pensions at risk" not in other.content
    assert _get(client, "/search/?utm_source=y&q=pensions")["X-Page-Cache"] == "hit"


def _cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cache_entries")
        return cursor.fetchone()[0]
