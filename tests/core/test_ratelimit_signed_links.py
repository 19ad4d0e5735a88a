"""Rate limits on signed-link pages, GET and POST: a guessed or leaked token cannot be
tried (or a personal page fetched) without limit. Each answers the polite 429 page
once over the limit set in settings.RATELIMITS."""

import pytest
from django.urls import reverse

from articles.models import PreviewLink
from members import tokens
from members.models import Member
from tests.articles.factories import ArticleFactory
from tests.factories import MemberFactory

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

BAD = "not-a-real-token"


def _confirm(token):
    return reverse("members:join_confirm", args=[token])


def _manage(name):
    return lambda token: reverse(name, args=[token])


CASES = [
    # (scope, url from token, method, status before the limit for a guessed token)
    ("confirm", _confirm, "get", 400),
    ("confirm", _confirm, "post", 400),
    ("manage", _manage("members:manage"), "get", 400),
    ("manage", _manage("members:manage"), "post", 400),
    ("manage", _manage("members:manage_erase"), "get", 400),
    ("manage", _manage("members:manage_erase"), "post", 400),
    ("manage", _manage("members:manage_download_json"), "get", 400),
    ("manage", _manage("members:manage_download_csv"), "get", 400),
    ("preview", lambda token: reverse("articles:preview", args=[token]), "get", 404),
]


def _assert_polite_429(response):
    assert response.status_code == 429
    assert "Please try again in" in response.content.decode()
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(("scope", "make_url", "method", "status"), CASES)
def test_guessing_tokens_is_rate_limited(client, settings, scope, make_url, method, status):
    settings.RATELIMITS = {scope: "3/h"}
    send = getattr(client, method)
    codes = [send(make_url(f"{BAD}-{n}")).status_code for n in range(3)]
    assert codes == [status] * 3
    _assert_polite_429(send(make_url(f"{BAD}-4")))


@pytest.mark.parametrize(
    "name", ["members:manage", "members:manage_erase", "members:manage_download_json"]
)
def test_a_valid_personal_link_is_limited_too(client, settings, name):
    settings.RATELIMITS = {"manage": "2/h"}
    member = MemberFactory(status=Member.Status.CONFIRMED)
    link = reverse(name, args=[tokens.make_token(member, tokens.MANAGE)])
    assert [client.get(link).status_code for _ in range(2)] == [200, 200]
    _assert_polite_429(client.get(link))


def test_confirmation_link_get_then_post_share_one_limit(client, settings):
    settings.RATELIMITS = {"confirm": "2/h"}
    member = MemberFactory(status=Member.Status.PENDING)
    link = _confirm(tokens.make_token(member, tokens.CONFIRM))
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    _assert_polite_429(client.post(link))


def test_article_preview_link_is_limited(client, settings):
    settings.RATELIMITS = {"preview": "2/h"}
    link = PreviewLink.objects.create(article=ArticleFactory(status="draft", published_at=None))
    assert [client.get(link.get_absolute_url()).status_code for _ in range(2)] == [200, 200]
    _assert_polite_429(client.get(link.get_absolute_url()))


def test_limits_count_per_client_address(client, settings):
    settings.RATELIMITS = {"manage": "1/h"}
    url = reverse("members:manage", args=[BAD])
    assert client.get(url, REMOTE_ADDR="192.0.2.1").status_code == 400
    assert client.get(url, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(url, REMOTE_ADDR="192.0.2.2").status_code == 400


def test_settings_hold_every_scope_the_views_use():
    """The limits are settings only (RATELIMIT_* in the environment), one per scope."""
    from config import settings as real
    from core import ratelimit

    assert set(real.RATELIMITS) == {
        "join",
        "confirm",
        "manage",
        "preview",
        "unsubscribe",
        "invite_member",
        "invite_organiser",
        "rsvp",
        "sign",
        "pledge",
    }
    for rate in real.RATELIMITS.values():
        ratelimit.parse_rate(rate)
