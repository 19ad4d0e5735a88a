"""Single-use recovery codes, made at two-factor enrolment, open the admin once each
instead of a phone's code."""

import re
import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.models import AuditEvent, User
from tests.factories import UserFactory
from tests.two_factor import totp_code

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

PASSWORD = "a-long-test-password"
CODE = re.compile(r"\b[a-z2-7]{5}-[a-z2-7]{5}\b")


def _login(client, user, code=""):
    return client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "otp_token": code},
    )


def _enrol(client, user) -> list[str]:
    _login(client, user)
    client.get(reverse("admin:otp_enrol"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("admin:otp_enrol"), {"otp_token": totp_code(device)})
    assert response.status_code == 200, response.get("Location")
    return CODE.findall(response.content.decode())


@pytest.fixture
def organiser():
    return UserFactory(role=User.Role.NATIONAL, is_superuser=True)


def test_enrolment_shows_ten_recovery_codes_once_and_stores_them_hashed(client, organiser):
    codes = _enrol(client, organiser)
    assert len(set(codes)) == 10
    device = StaticDevice.objects.get(user=organiser)
    assert device.confirmed
    stored = set(StaticToken.objects.filter(device=device).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes}
    assert not stored & set(codes)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:otp_enrol")).status_code == 404  # never shown again
    assert AuditEvent.objects.filter(
        subject="two-factor recovery codes", detail="10 made at enrolment"
    ).exists()


def test_a_recovery_code_opens_the_admin_once(client, organiser):
    first, second, *_ = _enrol(client, organiser)
    client.post(reverse("admin:logout"))

    response = _login(client, organiser, first.upper().replace("-", " "))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(reverse("admin:index")).status_code == 200
    event = AuditEvent.objects.get(subject="two-factor recovery codes", detail__startswith="used")
    assert event.detail == "used at login; 9 left"
    client.post(reverse("admin:logout"))

    again = _login(client, organiser, first)
    assert again.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302
    # django-otp throttles the device for a second after a wrong code.
    with time_machine.travel(time.time() + 5, tick=True):
        assert _login(client, organiser, second).status_code == 302
    assert StaticToken.objects.filter(device__user=organiser).count() == 8


def test_a_wrong_recovery_code_is_refused(client, organiser):
    _enrol(client, organiser)
    client.post(reverse("admin:logout"))
    response = _login(client, organiser, "aaaaa-aaaaa")
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302
