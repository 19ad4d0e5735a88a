"""The join form as people see it: its GOV.UK parts, the messages for bad input
(in the summary at the top and beside the field), and the warning about a work
email address. What joining stores and sends is in test_join.py.

Hint and error ids are Django's (<id>_helptext, <id>_error), the ones it writes
into each input's aria-describedby; templates/includes/field.html renders them."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from members.models import Member
from tests.factories import BranchFactory, GroupFactory

pytestmark = pytest.mark.django_db

URL = "/join/"


@pytest.fixture
def branches():
    return BranchFactory.create_batch(300)


def post(client, data, capture):
    with capture(execute=True):
        return client.post(URL, data)


def test_form_page_has_govuk_parts_and_fixed_queries(
    client, branches, django_assert_max_num_queries
):
    """The form lists every branch grouped by union group in a fixed number of queries;
    its fields are built once per change to the structure, then read (no query here)."""
    with django_assert_max_num_queries(12):  # the structure, and storing the fields' HTML
        response = client.get(URL)
    with django_assert_max_num_queries(1):
        again = client.get(URL)
    assert _without_tokens(again.content) == _without_tokens(response.content)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<optgroup") == len({b.group_id for b in branches})
    assert 'autocomplete="email"' in html
    assert 'autocomplete="name"' in html
    assert 'autocomplete="tel"' in html
    assert 'aria-describedby="id_email_helptext"' in html
    assert "My branch is not listed" in html
    assert 'name="website"' in html
    assert 'name="started"' in html
    assert "style=" not in html
    assert "<script>" not in html


def _without_tokens(content: bytes) -> str:
    return re.sub(r'name="(csrfmiddlewaretoken|started)" value="[^"]*"', "", content.decode())


def test_a_new_branch_is_offered_at_once(client, branches):
    """The kept form is rebuilt when the union's structure changes."""
    assert "Newly Chartered" not in client.get(URL).content.decode()
    BranchFactory(name="Newly Chartered")
    assert "Newly Chartered" in client.get(URL).content.decode()


def test_form_offers_every_group_even_one_without_branches(client):
    BranchFactory(group=GroupFactory(name="DWP"))
    GroupFactory(name="HMRC")
    html = client.get(URL).content.decode()
    assert '<label class="form-label" for="id_group">Union group of your branch</label>' in html
    assert html.count("<optgroup") == 1
    group_select = html[html.index('name="group"') :]
    group_select = group_select[: group_select.index("</select>")]
    assert ">DWP</option>" in group_select
    assert ">HMRC</option>" in group_select


def test_branch_not_listed_needs_a_group(client, join_data):
    branch = BranchFactory()
    response = client.post(URL, join_data(branch, branch="", branch_not_listed="Leeds HMRC"))
    html = response.content.decode()
    assert response.status_code == 200
    message = "Choose your union group: we need it when your branch is not in the list"
    assert f'<a href="#id_group">{message}' in html
    assert 'id="id_group_error"' in html
    assert 'aria-describedby="id_group_helptext id_group_error"' in html
    assert "Leeds HMRC" in html  # what they typed is kept
    assert not Member.objects.exists()


def test_group_and_branch_that_disagree_get_a_clear_error(client, join_data):
    branch = BranchFactory(group=GroupFactory(name="DWP"))
    hmrc = GroupFactory(name="HMRC")
    response = client.post(URL, join_data(branch, group=str(hmrc.pk)))
    html = response.content.decode()
    assert response.status_code == 200
    message = "The branch you chose is in DWP, not HMRC: choose DWP here, or choose another branch"
    assert f'<a href="#id_group">{message}' in html
    assert html.count(message) == 2
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your full name"),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"branch": "", "branch_not_listed": ""}, "branch", "Choose your branch, or if it is not"),
        ({"branch": "999999"}, "branch", "Choose your branch from the list"),
        ({"group": "999999"}, "group", "Choose your union group from the list"),
        ({"group": "DWP"}, "group", "Choose your union group from the list"),
        ({"grade": ""}, "grade", "Choose your grade"),
        ({"is_union_member": None}, "is_union_member", "Select yes if you are a member"),
        ({"consent_faction": None}, "consent_faction", "Tick the box to agree"),
        ({"mobile": "call me"}, "mobile", "Enter a mobile number"),
    ],
)
def test_bad_input_gets_summary_and_inline_message(client, join_data, overrides, field, message):
    branch = BranchFactory()
    response = client.post(URL, join_data(branch, **overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    anchor = f"id_{field}_0" if field == "is_union_member" else f"id_{field}"
    assert f'<a href="#{anchor}">{message}' in html
    assert f'id="id_{field}_error"' in html
    assert html.count(message) >= 2  # in the summary and beside the field
    assert "<title>Error:" in html
    assert not Member.objects.exists()


def test_employer_address_is_warned_before_anything_is_saved_or_sent(
    client, join_data, django_capture_on_commit_callbacks
):
    """A work address in an otherwise valid form: the form again, with the warning
    and a 'use this address anyway' box; no sign-up stored and no email queued."""
    data = join_data(BranchFactory(), email="ada.lovelace@dwp.gov.uk")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(URL, data)
    assert response.status_code == 200
    assert not Member.objects.exists()
    assert callbacks == []
    assert mail.outbox == []
    html = response.content.decode()
    assert "<title>Check your email address: Join" in html
    assert 'id="work-email-check"' in html
    assert "This looks like a work address" in html
    assert 'name="use_work_email"' in html
    assert "Use this address anyway" in html
    assert 'aria-describedby="id_email_helptext email-warning"' in html
    assert 'value="ada.lovelace@dwp.gov.uk"' in html  # what they typed is kept
    assert "There is a problem" not in html  # a warning, not an error


def test_ticking_use_anyway_saves_the_work_address(
    client, join_data, django_capture_on_commit_callbacks
):
    data = join_data(BranchFactory(), email="ada.lovelace@dwp.gov.uk", use_work_email="on")
    response = post(client, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Member.objects.get().email == "ada.lovelace@dwp.gov.uk"
    assert len(mail.outbox) == 1
    page = client.get(response["Location"])
    assert "You gave a work email address" in page.content.decode()


def test_changing_to_a_personal_address_saves_without_the_box(
    client, join_data, django_capture_on_commit_callbacks
):
    branch = BranchFactory()
    first = client.post(URL, join_data(branch, email="ada@hmrc.gov.uk"))
    assert first.status_code == 200
    response = post(
        client, join_data(branch, email="ada@example.org"), django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert Member.objects.get().email == "ada@example.org"
    assert "work=1" not in response["Location"]
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_personal_address_gets_no_warning(client):
    page = client.get(reverse("members:join_check_email"))
    assert "work email address" not in page.content.decode()


def test_work_address_warning_shows_beside_the_field_when_the_form_has_errors(client, join_data):
    response = client.post(URL, join_data(BranchFactory(), email="me@hmrc.gov.uk", name=""))
    html = response.content.decode()
    assert "This looks like a work address" in html
    assert "Enter your full name" in html
