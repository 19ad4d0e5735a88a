"""Organiser passwords: the strong rules in settings.AUTH_PASSWORD_VALIDATORS hold,
both for validate_password and in the admin's form for adding a user."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.models import User
from tests.factories import UserFactory
from tests.two_factor import verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),  # under 12 characters
        ("password1234", "too common"),  # 12 characters, but on the common list
        ("123456789012", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password, reason):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert reason in " ".join(refused.value.messages)


def test_a_password_like_the_username_is_refused():
    user = User(username="organiser-yorkshire", email="organiser@example.org")
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("organiser-yorkshire1", user=user)


def test_a_long_uncommon_password_is_accepted():
    validate_password("correct horse battery staple 42")


def test_admin_add_user_form_refuses_a_weak_password(client):
    verified_login(client, UserFactory(role=User.Role.NATIONAL, is_superuser=True))
    url = reverse("admin:members_user_add")
    weak = {
        "username": "new-organiser",
        "usable_password": "true",
        "password1": "password1234",
        "password2": "password1234",
    }
    response = client.post(url, weak)
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(username="new-organiser").exists()
    strong = {**weak, "password1": "a long and unusual passphrase 7", "password2": ""}
    strong["password2"] = strong["password1"]
    assert client.post(url, strong).status_code == 302
    assert User.objects.filter(username="new-organiser").exists()
