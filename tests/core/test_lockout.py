"""Login lockout (django-axes): repeated wrong passwords lock username + address."""

import time

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.two_factor import totp_code

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

PASSWORD = "a-long-test-password"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def organiser():
    user = UserFactory(is_superuser=True)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def _attempt(client, username, password, ip="10.0.0.1", code=""):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "otp_token": code},
        REMOTE_ADDR=ip,
    )


def _fail(client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = _attempt(client, username, "wrong-password-guess", ip)
        assert response.status_code in (200, 429)
    return response


def _code(user):
    return totp_code(TOTPDevice.objects.get(user=user))


def test_limit_is_a_small_number():
    assert 3 <= LIMIT <= 10
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_failures_up_to_the_limit_lock_the_account_for_that_address(client, organiser):
    """After N wrong passwords even the right password and code are refused with 429."""
    _fail(client, organiser.username, LIMIT - 1)
    # One short of the limit: the right details still work.
    assert _attempt(client, organiser.username, PASSWORD, code=_code(organiser)).status_code == 302
    client.logout()
    _fail(client, organiser.username, LIMIT)
    response = _attempt(client, organiser.username, PASSWORD, code=_code(organiser))
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_success_resets_the_count(client, organiser):
    """A successful login clears earlier failures, so they do not add up across days."""
    _fail(client, organiser.username, LIMIT - 1)
    assert _attempt(client, organiser.username, PASSWORD, code=_code(organiser)).status_code == 302
    client.logout()
    _fail(client, organiser.username, LIMIT - 1)
    assert AccessAttempt.objects.get().failures_since_start == LIMIT - 1
    client.logout()
    # Still one short of the limit after the reset: the next right login works.
    # The next TOTP time step: a code is accepted only once.
    with time_machine.travel(time.time() + 60, tick=True):
        response = _attempt(client, organiser.username, PASSWORD, code=_code(organiser))
    assert response.status_code == 302, response.content.decode()[-3000:]


def test_lockout_is_per_username_and_address(client, organiser):
    """Locking one username from one address locks neither another address nor another user."""
    other = UserFactory(is_superuser=True)
    TOTPDevice.objects.create(user=other, name="phone", confirmed=True)
    _fail(client, organiser.username, LIMIT, ip="10.0.0.1")
    assert (
        _attempt(client, organiser.username, PASSWORD, "10.0.0.1", _code(organiser)).status_code
        == 429
    )
    # Same user, another address: can still log in.
    assert (
        _attempt(client, organiser.username, PASSWORD, "10.0.0.2", _code(organiser)).status_code
        == 302
    )
    client.logout()
    # Another user, the locked address: can still log in.
    assert _attempt(client, other.username, PASSWORD, "10.0.0.1", _code(other)).status_code == 302


def test_lockout_lives_in_the_database_not_in_one_process(client, organiser):
    """The lockout is a database row that every app server sees; a cache clear does not lift it."""
    from axes.conf import settings as axes_settings

    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    _fail(client, organiser.username, LIMIT)
    attempt = AccessAttempt.objects.get(username=organiser.username, ip_address="10.0.0.1")
    assert attempt.failures_since_start >= LIMIT
    cache.clear()
    from django.test import Client

    fresh = Client()  # another browser, as if on the other app server
    response = _attempt(fresh, organiser.username, PASSWORD, code=_code(organiser))
    assert response.status_code == 429


def test_behind_a_load_balancer_the_forwarded_address_counts(client, organiser, settings):
    """From a trusted balancer, lockout is per real client, not per balancer."""
    settings.TRUSTED_PROXIES = ["10.9.9.9"]
    for _ in range(LIMIT):
        client.post(
            reverse("admin:login"),
            {"username": organiser.username, "password": "wrong-guess", "otp_token": ""},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    # Another person behind the same balancer is not locked out.
    response = client.post(
        reverse("admin:login"),
        {"username": organiser.username, "password": PASSWORD, "otp_token": _code(organiser)},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert response.status_code == 302
