"""Two-factor (TOTP) login for every organiser in the admin."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.models import AuditEvent, User
from tests.factories import UserFactory
from tests.two_factor import totp_code, verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

PASSWORD = "a-long-test-password"


@pytest.fixture
def organiser():
    return UserFactory(role=User.Role.NATIONAL, is_superuser=True)


@pytest.fixture
def device(organiser):
    return TOTPDevice.objects.create(user=organiser, name="phone", confirmed=True)


def _login(client, user, code=""):
    return client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "otp_token": code},
    )


def test_production_settings_require_two_factor():
    """The real settings module requires two-factor login for staff; nothing turns it off."""
    from config import settings as real

    assert real.OTP_REQUIRED_FOR_STAFF is True


def test_login_page_asks_for_the_code(client):
    """The admin login form has a third field for the authenticator code."""
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert 'name="otp_token"' in response.content.decode()
    assert 'autocomplete="one-time-code"' in response.content.decode()


def test_password_alone_does_not_open_the_admin(client, organiser, device):
    """With a device enrolled, a right password and no code is refused."""
    response = _login(client, organiser)
    assert response.status_code == 200
    assert "Enter the six-digit code" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_wrong_code_is_refused(client, organiser, device):
    """A wrong code is refused and the admin stays shut."""
    right = totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = _login(client, organiser, wrong)
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_password_and_code_open_the_admin(client, organiser, device):
    """The right password and the current code sign in, verified."""
    response = _login(client, organiser, totp_code(device))
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_used_code_cannot_be_replayed(client, organiser, device):
    """The same code cannot be used twice (someone watching over a shoulder)."""
    code = totp_code(device)
    assert _login(client, organiser, code).status_code == 302
    client.logout()
    response = _login(client, organiser, code)
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_session_without_code_is_sent_back_to_login(client, organiser, device):
    """A password-only session of a user who has a device opens no admin page."""
    client.force_login(organiser)
    for name in ["admin:index", "admin:members_member_changelist"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("role", list(User.Role))
def test_every_role_needs_two_factor(client, role):
    """All staff, whatever their role, need a verified device for the admin."""
    group_region = {}
    if role == User.Role.GROUP:
        from tests.factories import GroupFactory

        group_region["group"] = GroupFactory()
    if role == User.Role.REGIONAL:
        from tests.factories import RegionFactory

        group_region["region"] = RegionFactory()
    user = UserFactory(role=role, **group_region)
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 302
    verified_login(client, user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_first_login_goes_to_enrolment_with_a_qr_code(client, organiser):
    """A user with no device signs in by password and must enrol before anything else."""
    response = _login(client, organiser)
    assert response.status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:otp_enrol")
    page = client.get(reverse("admin:otp_enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    assert TOTPDevice.objects.filter(user=organiser, confirmed=False).count() == 1
    # Reloading shows the same device, not a new one each time.
    client.get(reverse("admin:otp_enrol"))
    assert TOTPDevice.objects.filter(user=organiser).count() == 1


def test_enrolment_confirms_with_a_code_and_verifies_the_session(client, organiser):
    """Entering the app's code confirms the device and opens the admin."""
    _login(client, organiser)
    client.get(reverse("admin:otp_enrol"))
    device = TOTPDevice.objects.get(user=organiser)
    bad = client.post(reverse("admin:otp_enrol"), {"otp_token": "12345x"})
    assert bad.status_code == 200
    assert "There is a problem" in bad.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(reverse("admin:otp_enrol"), {"otp_token": totp_code(device)})
    assert response.status_code == 200  # the recovery codes, shown once
    assert "recovery codes" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.filter(subject="two-factor device", detail="enrolled").exists()


def test_enrolment_is_closed_once_a_device_is_confirmed(client, organiser, device):
    """A stolen password cannot swap in another phone: enrolment is 404 with a device."""
    client.force_login(organiser)
    assert client.get(reverse("admin:otp_enrol")).status_code == 404
    assert client.post(reverse("admin:otp_enrol"), {"otp_token": "000000"}).status_code == 404


def test_enrolment_needs_a_signed_in_organiser(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get(reverse("admin:otp_enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_command_creates_a_device_and_prints_its_key(organiser):
    """`manage.py otp_device USER` creates a confirmed device and prints key and QR."""
    out = io.StringIO()
    call_command("otp_device", organiser.username, stdout=out)
    device = TOTPDevice.objects.get(user=organiser)
    assert device.confirmed
    assert "otpauth://totp/" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("otp_device", organiser.username, stdout=io.StringIO())


def test_command_reset_removes_devices(organiser, device):
    """`--reset` removes the device so the organiser enrols a new one at next login."""
    call_command("otp_device", organiser.username, "--reset", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=organiser).exists()
    assert AuditEvent.objects.filter(subject="two-factor device", detail="reset").exists()


def test_command_unknown_user():
    with pytest.raises(CommandError):
        call_command("otp_device", "nobody", stdout=io.StringIO())


def test_an_organiser_without_a_device_can_still_log_out(client, organiser):
    """The enrolment page offers a way out: logging out needs no second factor."""
    _login(client, organiser)
    assert "Log out instead" in client.get(reverse("admin:otp_enrol")).content.decode()
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
