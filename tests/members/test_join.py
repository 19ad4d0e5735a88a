"""Joining: what is stored and sent, duplicates, consent wordings, spam checks and
the rate limit. What the form shows and says is in test_join_form.py."""

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


def post(client, data, capture):
    with capture(execute=True):
        return client.post(URL, data)


def test_join_url_is_stable():
    assert reverse("members:join") == URL


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
    """A queue that runs after COMMIT and fails: the sign-up is stored, the person sees
    the usual page, the error is logged. (The database queue writes the task in the
    sign-up's own transaction: both are saved, or neither.)"""
    from members import tasks

    def broken(**kwargs):
        raise RuntimeError("queue down")

    queue = SimpleNamespace(supports_defer=False)
    monkeypatch.setattr(
        tasks, "send_member_email", SimpleNamespace(enqueue=broken, get_backend=lambda: queue)
    )
    response = post(client, join_data(BranchFactory()), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Member.objects.count() == 1


def test_member_clean_gives_the_friendly_duplicate_message():
    from django.core.exceptions import ValidationError

    MemberFactory(email="dup@example.org")
    with pytest.raises(ValidationError, match="already has this email"):
        Member(name="X", email=" DUP@example.org", status=Member.Status.PENDING).clean()
    Member(name="X", email="dup@example.org", status=Member.Status.LEFT).clean()


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
