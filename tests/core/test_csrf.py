"""Every form that changes something refuses a POST without a CSRF token.

With csrf_exempt on any of these views, the 403 test for it would fail; the
with-token test proves the 403 comes from the missing token and not from
something else (a bad signed link, a permission).
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from members import tokens
from members.models import BranchContactLink
from tests.campaign.factories import ElectionFactory
from tests.factories import BranchFactory, MemberFactory, UserFactory
from tests.two_factor import verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

FORMS = [
    "join",
    "join_confirm",
    "manage",
    "manage_consent",
    "manage_erase",
    "campaign_report",
    "ballots_report",
    "admin_login",
    "admin_add",
]


@pytest.fixture
def urls():
    member = MemberFactory()
    confirm = tokens.make_token(member, tokens.CONFIRM)
    manage = tokens.make_token(member, tokens.MANAGE)
    branch = BranchFactory()
    election = ElectionFactory(group=None)
    _, link = BranchContactLink.issue(branch=branch, contact_name="Jo", email="jo@example.org")
    return {
        "join": reverse("members:join"),
        "join_confirm": reverse("members:join_confirm", args=[confirm]),
        "manage": reverse("members:manage", args=[manage]),
        "manage_consent": reverse("members:manage_consent", args=[manage]),
        "manage_erase": reverse("members:manage_erase", args=[manage]),
        "campaign_report": reverse("campaign:report", args=[election.slug]) + f"?token={link}",
        "ballots_report": reverse("ballots:contact_report") + f"?token={link}",
        "admin_login": reverse("admin:login"),
        "admin_add": reverse("admin:members_branch_add"),
    }, link


def _client(name) -> Client:
    client = Client(enforce_csrf_checks=True)
    if name == "admin_add":
        verified_login(client, UserFactory(username="csrf-national", is_superuser=True))
    return client


def _post_data(name, link) -> dict:
    data = {"token": link, "action": "readiness", "username": "nobody", "password": "x"}
    if name == "campaign_report":
        data["action"] = "agm"
    return data


@pytest.mark.parametrize("name", FORMS)
def test_post_without_a_token_is_refused(urls, name):
    url, link = urls[0][name], urls[1]
    client = _client(name)
    client.get(urls[0]["manage"] if name == "manage_consent" else url)  # the cookie is set
    response = client.post(url, _post_data(name, link))
    assert response.status_code == 403
    assert b"CSRF" in response.content or b"csrf" in response.content.lower()


@pytest.mark.parametrize("name", FORMS)
def test_post_with_the_token_gets_through(urls, name):
    url, link = urls[0][name], urls[1]
    client = _client(name)
    # The consent form is a POST-only view; its form is on the manage page.
    page = client.get(urls[0]["manage"] if name == "manage_consent" else url)
    assert page.status_code == 200, url
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token, f"no CSRF token in the form at {url}"
    data = {**_post_data(name, link), "csrfmiddlewaretoken": token.group(1).decode()}
    response = client.post(url, data)
    assert response.status_code != 403, (url, response.content[:300])
