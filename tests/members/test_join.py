"""The join form: validation, duplicates, spam checks, rate limit, emails."""

import re
import time
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse

from members.models import Consent, ConsentKind, Member
from tests.factories import BranchFactory, GroupFactory, MemberFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

URL = "/join/"


@pytest.fixture
def branches():
    return BranchFactory.create_batch(300)


def post(client, data, capture):
    with capture(execute=True):
        return client.post(URL, data)


def test_join_url_is_stable():
    assert reverse("members:join") == URL


def test_form_page_has_govuk_parts_and_fixed_queries(
    client, branches, django_assert_max_num_queries
):
    """The form lists every branch grouped by union group in a fixed number of queries."""
    with django_assert_max_num_queries(2):
        response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<optgroup") == len({b.group_id for b in branches})
    assert 'autocomplete="email"' in html
    assert 'autocomplete="name"' in html
    assert 'autocomplete="tel"' in html
    assert 'aria-describedby="email-hint"' in html
    assert "My branch is not listed" in html
    assert 'name="website"' in html
    assert 'name="started"' in html
    assert "style=" not in html
    assert "<script>" not in html


def test_valid_join_creates_pending_member_with_versioned_consent(
    client, join_data, django_capture_on_commit_callbacks
):
    branch = BranchFactory()
    response = post(
        client,
        join_data(branch, email="  Ada@Example.ORG ", consent_branch="on"),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("members:join_check_email")
    member = Member.objects.get()
    assert member.email == "Ada@example.org"
    assert member.status == Member.Status.PENDING
    assert member.branch == branch
    kinds = set(member.consents.values_list("kind", flat=True))
    assert kinds == {ConsentKind.FACTION, ConsentKind.BRANCH}
    consent = member.consents.get(kind=ConsentKind.FACTION)
    assert consent.wording.version == 1
    assert consent.wording.text.startswith("I agree that Rank and File may contact me")
    assert len(mail.outbox) == 1
    assert "/join/confirm/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["Ada@example.org"]


def test_workplace_text_matches_a_known_workplace(
    client, join_data, django_capture_on_commit_callbacks
):
    workplace = WorkplaceFactory(name="Jobcentre Leith")
    post(
        client,
        join_data(workplace.branch, workplace="jobcentre leith"),
        django_capture_on_commit_callbacks,
    )
    assert Member.objects.get().workplace == workplace


def test_branch_not_listed_is_accepted_with_its_group(
    client, join_data, django_capture_on_commit_callbacks
):
    branch = BranchFactory()
    hmrc = GroupFactory(name="HMRC")  # a group with no branch in our list yet
    response = post(
        client,
        join_data(branch, branch="", branch_not_listed="Leeds HMRC", group=str(hmrc.pk)),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.branch is None
    assert member.branch_not_listed == "Leeds HMRC"
    assert member.group == hmrc


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
    assert 'id="group-error"' in html
    assert 'aria-describedby="group-hint group-error"' in html
    assert "Leeds HMRC" in html  # what they typed is kept
    assert not Member.objects.exists()


def test_group_is_taken_from_the_branch(client, join_data, django_capture_on_commit_callbacks):
    branch = BranchFactory()
    post(client, join_data(branch), django_capture_on_commit_callbacks)
    assert Member.objects.get().group == branch.group


def test_group_that_matches_the_branch_is_accepted(
    client, join_data, django_capture_on_commit_callbacks
):
    branch = BranchFactory()
    response = post(
        client, join_data(branch, group=str(branch.group_id)), django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert Member.objects.get().group == branch.group


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
    assert f'id="{field}-error"' in html
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
    assert 'aria-describedby="email-hint email-warning"' in html
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


def test_joining_twice_any_case_makes_one_record_and_the_same_page(
    client, join_data, django_capture_on_commit_callbacks, settings
):
    """Duplicates never reveal themselves: same redirect; the email says what happened."""
    settings.MEMBERS_RESEND_INTERVAL = __import__("datetime").timedelta(0)
    branch = BranchFactory()
    first = post(client, join_data(branch), django_capture_on_commit_callbacks)
    second = post(
        client,
        join_data(branch, email=" ADA@example.org ", name="Someone Else"),
        django_capture_on_commit_callbacks,
    )
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    member = Member.objects.get()
    assert member.name == "Ada Lovelace"  # a stranger cannot overwrite details
    assert [m.subject for m in mail.outbox] == [
        "Confirm you want to join Rank and File",
        "Confirm you want to join Rank and File",
    ]
    assert "signed up before but have not confirmed" in mail.outbox[1].body


def test_joining_when_already_confirmed_sends_already_joined_email(
    client, join_data, django_capture_on_commit_callbacks
):
    existing = MemberFactory(email="ada@example.org", status=Member.Status.CONFIRMED)
    response = post(
        client,
        join_data(BranchFactory(), email="Ada@Example.org"),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert Member.objects.count() == 1
    assert mail.outbox[0].subject == "You have already joined Rank and File"
    assert "/me/" in mail.outbox[0].body
    assert not Consent.objects.filter(member=existing).exists()


def test_double_submit_stores_one_and_sends_one_email(
    client, join_data, django_capture_on_commit_callbacks
):
    data = join_data(BranchFactory())
    post(client, data, django_capture_on_commit_callbacks)
    post(client, data, django_capture_on_commit_callbacks)
    assert Member.objects.count() == 1
    assert len(mail.outbox) == 1


def test_left_member_can_join_again(client, join_data, django_capture_on_commit_callbacks):
    MemberFactory(email="ada@example.org", status=Member.Status.LEFT)
    post(client, join_data(BranchFactory()), django_capture_on_commit_callbacks)
    assert Member.objects.filter(status=Member.Status.PENDING).count() == 1


def test_honeypot_gets_a_polite_message_and_saves_nothing(client, join_data):
    response = client.post(URL, join_data(BranchFactory(), website="http://spam.example"))
    assert response.status_code == 200
    assert "Leave the field" in response.content.decode()
    assert not Member.objects.exists()


def test_too_fast_submission_is_refused_politely(client, join_data, settings):
    settings.MEMBERS_JOIN_MIN_SECONDS = 3
    response = client.post(URL, join_data(BranchFactory()))
    assert "quicker than we expected" in response.content.decode()
    assert not Member.objects.exists()


def test_tampered_or_missing_timestamp_is_refused(client, join_data):
    for started in ["", "123", "nonsense:abc:def"]:
        response = client.post(URL, join_data(BranchFactory(), started=started))
        assert "This form has expired" in response.content.decode()
    assert not Member.objects.exists()


def test_expired_form_is_refused_and_offered_fresh(client, join_data, time_machine):
    branch = BranchFactory()
    time_machine.move_to("2026-01-01 09:00Z", tick=False)
    data = join_data(branch)
    time_machine.move_to("2026-01-03 09:00Z", tick=False)
    response = client.post(URL, data)
    html = response.content.decode()
    assert "This form has expired" in html
    assert data["started"] not in html  # a fresh timestamp to try again with


def test_slow_enough_submission_passes(client, join_data, settings, time_machine):
    settings.MEMBERS_JOIN_MIN_SECONDS = 3
    branch = BranchFactory()
    time_machine.move_to(time.time(), tick=False)
    data = join_data(branch)
    time_machine.shift(5)
    assert client.post(URL, data).status_code == 302


def test_rate_limit_gives_polite_429(client, join_data, settings):
    settings.RATELIMITS = {"join": "2/h"}
    branch = BranchFactory()
    codes = [client.post(URL, join_data(branch, name="")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.post(URL, join_data(branch))
    assert response.status_code == 429
    assert "Please try again in" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert client.get(URL).status_code == 200  # reading the form is never limited
    assert not Member.objects.exists()


def test_check_email_page_makes_no_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get(reverse("members:join_check_email")).status_code == 200


def test_a_failing_email_queue_does_not_fail_the_answer(
    client, join_data, django_capture_on_commit_callbacks, monkeypatch
):
    """The sign-up is stored and the person sees the usual page; the error is logged."""
    from members import tasks

    def broken(**kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr(tasks, "send_member_email", SimpleNamespace(enqueue=broken))
    response = post(client, join_data(BranchFactory()), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Member.objects.count() == 1


def test_member_clean_gives_the_friendly_duplicate_message():
    from django.core.exceptions import ValidationError

    MemberFactory(email="dup@example.org")
    with pytest.raises(ValidationError, match="already has this email"):
        Member(name="X", email=" DUP@example.org", status=Member.Status.PENDING).clean()
    Member(name="X", email="dup@example.org", status=Member.Status.LEFT).clean()


def test_work_address_warning_shows_beside_the_field_when_the_form_has_errors(client, join_data):
    response = client.post(URL, join_data(BranchFactory(), email="me@hmrc.gov.uk", name=""))
    html = response.content.decode()
    assert "This looks like a work address" in html
    assert "Enter your full name" in html


NEW_FACTION_WORDING = "I agree to new words about how Rank and File may contact me."


def test_changed_consent_wording_is_shown_again_and_nothing_is_saved(
    client, join_data, monkeypatch, django_capture_on_commit_callbacks
):
    from members import consent

    branch = BranchFactory()
    shown = client.get(URL).content.decode()
    started = re.search(r'name="started" value="([^"]+)"', shown).group(1)
    # A new wording is deployed while the form is open.
    monkeypatch.setitem(consent.WORDINGS[ConsentKind.FACTION], 2, NEW_FACTION_WORDING)
    response = client.post(URL, join_data(branch, started=started, consent_branch="on"))
    html = response.content.decode()
    assert response.status_code == 200
    message = "The wording of what you agree to has changed: please read it again"
    assert f'<a href="#id_consent_faction">{message}' in html
    assert "There is a problem" in html
    assert NEW_FACTION_WORDING in html
    for name in ("consent_faction", "consent_branch"):  # unticked: to be read again
        assert "checked" not in html.split(f'id="id_{name}"')[1].split(">")[0]
    assert not Member.objects.exists()
    assert not Consent.objects.exists()
    assert mail.outbox == []

    # Agreeing again on the page shown with the new words saves version 2.
    again = re.search(r'name="started" value="([^"]+)"', html).group(1)
    response = post(client, join_data(branch, started=again), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    consent_row = Consent.objects.get()
    assert (consent_row.wording.version, consent_row.wording.text) == (2, NEW_FACTION_WORDING)


def test_form_shows_and_signs_the_current_wording(client, monkeypatch):
    from members import consent
    from members.forms import read_started

    monkeypatch.setitem(consent.WORDINGS[ConsentKind.FACTION], 2, NEW_FACTION_WORDING)
    html = client.get(URL).content.decode()
    assert NEW_FACTION_WORDING in html
    started = re.search(r'name="started" value="([^"]+)"', html).group(1)
    assert read_started(started)[1] == {ConsentKind.FACTION: 2, ConsentKind.BRANCH: 1}


def test_a_token_without_wording_versions_is_refused(client, join_data):
    from django.core import signing

    from members.forms import STARTED_SALT

    old_style = signing.dumps(time.time() - 60, salt=STARTED_SALT)  # before versions were signed
    response = client.post(URL, join_data(BranchFactory(), started=old_style))
    assert response.status_code == 200
    assert "This form has expired" in response.content.decode()
    assert not Member.objects.exists()


def test_join_service_refuses_consent_to_words_not_shown():
    from members.services import Details, MemberError, member_join

    with pytest.raises(MemberError, match="wording"):
        member_join(
            email="ada@example.org",
            details=Details(name="Ada", branch=BranchFactory(), grade="EO"),
            consents={ConsentKind.FACTION},
            seen_versions={ConsentKind.FACTION: 0},
        )
    assert not Member.objects.exists()
