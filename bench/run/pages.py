"""The rows of the table, and what is measured of them in-process (Django's test client).

The pages to load in the bench data set, a verified organiser's session for the
organiser rows, SQL queries per request, EXPLAIN ANALYZE of the search queries,
and the ceiling file (the article page's bytes, which whitenoise serves).
"""

import itertools
import math
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.run import HOST, ROOT

CEILING_AGAIN = "static ceiling, again at the end"


@dataclass
class Row:
    name: str
    path: str | None
    server: str = "cached"  # which gunicorn: "cached" or "cold"
    public: bool = True
    cookie: str = ""
    target: str = ""  # "cached", "cold", "search", "organiser" or ""
    floor: float = 0.1  # cold and search rows: the least share of the ceiling (issue #21)
    limit_ms: float = 0  # organiser rows: p50 alone under this, at 16 at once under 4x
    kind: str = ""  # "home", "article" or "list": set beside the peers' pages of that kind
    peer: str = ""  # the peer that serves it ("Wagtail", "WordPress"; bench/peers), or ours
    queries: int | None = None
    status: int | None = None
    note: str = ""
    results: dict = field(default_factory=dict)  # concurrency -> Result


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    requests: int = 0


def discover_rows(quick: bool) -> tuple[list[Row], dict]:
    """Find the pages to load in the bench data set (in-process)."""
    from django.db import connection
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    info: dict = {}
    article_path = tag_path = slate_path = board_path = dashboard_path = None
    common = rare = None
    list_page = 50
    try:
        from articles.models import Article, Tag

        article = Article.objects.published().order_by("-published_at").first()
        if article:
            article_path = article.get_absolute_url()
            info["article"] = article.pk
        tag = Tag.objects.annotate(n=Count("articles")).order_by("-n", "pk").first()
        tag_path = tag.get_absolute_url() if tag else None
        from articles import conf as articles_conf

        pages = max(1, math.ceil(Article.objects.published().count() / articles_conf.PAGE_SIZE))
        list_page = min(50, pages)
        with connection.cursor() as cursor:
            # A common word: the most frequent one found in at most a fifth of the
            # articles (a word in every article is answered by reading them all,
            # rightly: no index helps there).
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT search_vector FROM articles_article "
                "WHERE search_vector IS NOT NULL') "
                "WHERE ndoc <= (SELECT count(*) / 5 FROM articles_article) AND length(word) > 3 "
                "ORDER BY ndoc DESC, word LIMIT 1"
            )
            found = cursor.fetchone()
        common = found[0] if found else "union"
        # A rare phrase: two neighbouring words of the oldest article's title,
        # so at least that article matches it.
        old = Article.objects.published().order_by("published_at").first()
        words = re.findall(r"[A-Za-z]+", old.title if old else "")
        pairs = [(a, b) for a, b in itertools.pairwise(words) if len(a) >= 4 and len(b) >= 4]
        rare = f'"{pairs[0][0]} {pairs[0][1]}"' if pairs else '"national executive"'
    except Exception as exc:  # the articles app may not exist yet
        info["articles"] = f"not ready: {exc}"
    try:
        from campaign.models import Election

        election = Election.objects.published().order_by("pk").first()
        if election:
            slate_path = election.get_absolute_url()
            board_path = url("admin:campaign_election_board", election.pk)
    except Exception as exc:
        info["campaign"] = f"not ready: {exc}"
    try:
        from ballots.models import Ballot

        ballot = Ballot.objects.annotate(n=Count("units")).order_by("-n", "pk").first()
        if ballot:
            dashboard_path = url("admin:ballots_ballot_dashboard", ballot.pk)
    except Exception as exc:
        info["ballots"] = f"not ready: {exc}"

    list_path = url("articles:list", query=f"?page={list_page}")
    search = url("articles:search")
    info.update(common_word=common, rare_phrase=rare, list_page=list_page)
    q = lambda s: f"{search}?{urlencode({'q': s})}" if search and s else None  # noqa: E731
    home = url("campaign:home") or "/"
    feed = url("articles:feed")
    join = url("members:join")
    rows = [
        Row("static ceiling (whitenoise)", "/static/bench/article.html", public=False),
        Row("home", home, target="cached", kind="home"),
        Row("home, page cache off", home, server="cold", target="cold", kind="home"),
        Row("article page", article_path, target="cached", kind="article"),
        Row(
            "article page, page cache off",
            article_path,
            server="cold",
            target="cold",
            kind="article",
        ),
        Row("tag archive", tag_path, target="cached"),
        Row("tag archive, page cache off", tag_path, server="cold", target="cold"),
        Row(f"article list page {list_page}", list_path, target="cached", kind="list"),
        Row(
            f"article list p{list_page}, cache off",
            list_path,
            server="cold",
            target="cold",
            kind="list",
        ),
        Row(f"search common word ({common})", q(common), server="cold", target="search"),
        Row(f"search rare phrase ({rare})", q(rare), server="cold", target="search"),
        Row("Atom feed", feed, target="cached"),
        Row("Atom feed, page cache off", feed, server="cold", target="cold"),
        Row("slate page", slate_path, target="cached"),
        Row("slate page, page cache off", slate_path, server="cold", target="cold", floor=0.05),
        # The join form is never in the page cache (it carries a CSRF token).
        Row("join form GET", join, target="cold"),
        Row("join form POST (sign-ups)", join),
        Row(
            "nominations board (organiser)",
            board_path,
            public=False,
            target="organiser",
            limit_ms=100,
        ),
        Row(
            "ballot unit dashboard (organiser)",
            dashboard_path,
            public=False,
            target="organiser",
            limit_ms=50,
        ),
        # The same file once more: how far the machine moved during the run.
        Row(CEILING_AGAIN, "/static/bench/article.html", public=False),
    ]
    return rows, info


def organiser_session() -> str:
    """Create a national organiser's session, verified for two-factor as django-otp does."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from members.models import User

    user, _ = User.objects.get_or_create(
        username="bench-organiser", defaults={"email": "bench-organiser@localhost"}
    )
    user.role = User.Role.NATIONAL
    user.is_staff = user.is_superuser = True
    user.set_unusable_password()
    user.save()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # What django_otp.login() stores once the code is right: the session is verified.
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def count_queries(rows: list[Row], join_form: dict | None) -> None:
    """SQL queries per request, with Django's test client in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    for row in rows:
        if not row.path or row.name.startswith("static") or row.peer:
            continue
        client = Client(SERVER_NAME=HOST, raise_request_exception=False)
        if row.cookie:
            name, _, value = row.cookie.partition("=")
            client.cookies[name] = value
        with override_settings(PAGE_CACHE_ENABLED=row.server == "cached"):
            if "POST" in row.name:
                if not join_form:
                    continue
                time.sleep(max(0.0, join_form["fetched_at"] + 3.5 - time.time()))  # fill time
                data = dict(
                    join_form["fields"], email=f"bench-q-{secrets.token_hex(6)}@example.org"
                )
                client.cookies["csrftoken"] = join_form["csrf_cookie"]
                with CaptureQueriesContext(connection) as queries:
                    address = ".".join(str(secrets.randbelow(254) + 1) for _ in range(3))
                    response = client.post(row.path, data, HTTP_X_FORWARDED_FOR=f"10.{address}")
            else:
                client.get(row.path)  # fill the page cache (and warm up)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(row.path)
        row.queries = len(queries)
        row.status = response.status_code


def explain_search(rows: list[Row]) -> str:
    """EXPLAIN ANALYZE of the search queries, as the search page runs them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    out = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexdef ILIKE '%gin%' "
            "AND indexdef ILIKE '%search%'"
        )
        gin = cursor.fetchall()
    out.append("GIN indexes: " + (", ".join(name for name, _ in gin) or "none found"))
    for row in rows:
        if row.target != "search" or not row.path:
            continue
        with override_settings(PAGE_CACHE_ENABLED=False), CaptureQueriesContext(connection) as qs:
            Client(SERVER_NAME=HOST, raise_request_exception=False).get(row.path)
        searches = [q["sql"] for q in qs.captured_queries if "@@" in q["sql"]]
        if not searches:
            out.append(f"{row.name}: no full-text query captured")
            continue
        for sql in searches[:2]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
                plan = "\n".join("    " + line for (line,) in cursor.fetchall())
            uses = any(name in plan for name, _ in gin)
            out.append(f"{row.name}: {'uses the GIN index' if uses else 'NO GIN INDEX USED'}")
            out.append(plan)
    return "\n".join(out)


def write_ceiling_file(article_path: str | None) -> int:
    """Save the article page's bytes where whitenoise serves them; return their size."""
    from django.conf import settings
    from django.test import Client

    content = b""
    if article_path:
        response = Client(SERVER_NAME=HOST, raise_request_exception=False).get(article_path)
        if response.status_code == 200:
            content = response.content
    if not content:
        content = (ROOT / "templates" / "base.html").read_bytes()  # something of a page's size
    target = Path(settings.STATIC_ROOT) / "bench" / "article.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return len(content)
