"""Adding a member in the admin is no oracle of membership outside the organiser's scope."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from members.models import AuditEvent, Member, User
from tests.factories import BranchFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _form(branch, email, name="Nina New"):
    return {
        "name": name,
        "email": email,
        "mobile": "",
        "branch": branch.pk,
        "grade": Member.Grade.choices[0][0],
        "is_union_member": "on",
        "status": Member.Status.PENDING,
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
        "consents-MIN_NUM_FORMS": "0",
        "consents-MAX_NUM_FORMS": "1000",
    }


def _answer(response):
    """The status, redirect and messages of a POST followed to its page."""
    return (
        response.redirect_chain,
        response.status_code,
        [str(m) for m in get_messages(response.wsgi_request)],
    )


@pytest.mark.parametrize("role", ["regional", "group"])
def test_existing_email_outside_scope_answers_as_a_new_member_and_invites_them(
    client, role, django_capture_on_commit_callbacks, mailoutbox
):
    """A regional or group organiser adding an address that belongs to a member outside
    their scope gets the answer a new member gets; the member is emailed their manage
    link and nothing about them changes or is shown."""
    mine, theirs = BranchFactory(), BranchFactory()
    elsewhere = MemberFactory(branch=theirs, name="Olga Other", email="olga@example.org")
    before = Member.objects.filter(pk=elsewhere.pk).values().get()
    if role == "regional":
        user = UserFactory(role=User.Role.REGIONAL, region=mine.region)
    else:
        user = UserFactory(role=User.Role.GROUP, group=mine.group)
    client.force_login(user)
    url = reverse("admin:members_member_add")

    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(url, _form(mine, "nina@example.org"), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(url, _form(mine, "OLGA@example.org", name="Nina New"), follow=True)

    assert new.redirect_chain
    assert _answer(taken) == _answer(new)
    assert "Olga" not in str(_answer(taken))
    assert Member.objects.filter(pk=elsewhere.pk).values().get() == before
    assert Member.objects.filter(email__iexact="olga@example.org").count() == 1
    invited = [m for m in mailoutbox if m.to == ["olga@example.org"]]
    assert len(invited) == 1
    assert reverse("members:manage", args=["x"]).removesuffix("x/") in invited[0].body
    assert "Nina" not in invited[0].body
    assert (
        not AuditEvent.objects.filter(object_id=str(elsewhere.pk), actor=user)
        .exclude(action=AuditEvent.Action.ADD)
        .exists()
    )


def test_existing_email_in_scope_is_still_a_clear_error(client):
    """In scope, the organiser may know: the form says the address is taken."""
    mine = BranchFactory()
    MemberFactory(branch=mine, email="olga@example.org")
    client.force_login(UserFactory(role=User.Role.REGIONAL, region=mine.region))
    response = client.post(reverse("admin:members_member_add"), _form(mine, "olga@example.org"))
    assert response.status_code == 200
    assert "already has this email address" in response.content.decode()
    assert Member.objects.filter(email="olga@example.org").count() == 1


def test_invitations_are_rate_limited_per_member_and_per_organiser(
    client, settings, django_capture_on_commit_callbacks, mailoutbox
):
    """Adding an outside member's address again and again does not flood their inbox,
    and an organiser fishing with many addresses sends only so many; the answer stays
    the new member's, and the audit trail records each attempt."""
    settings.RATELIMITS = {**settings.RATELIMITS, "invite_member": "1/d", "invite_organiser": "2/d"}
    mine, theirs = BranchFactory(), BranchFactory()
    outside = [MemberFactory(branch=theirs, email=f"out{i}@example.org") for i in range(3)]
    user = UserFactory(role=User.Role.REGIONAL, region=mine.region)
    client.force_login(user)
    url = reverse("admin:members_member_add")

    def add(email):
        with django_capture_on_commit_callbacks(execute=True):
            return _answer(client.post(url, _form(mine, email), follow=True))

    first = add("out0@example.org")
    assert add("OUT0@example.org") == first  # the same member again: no second email
    add("out1@example.org")
    add("out2@example.org")  # over the organiser's two a day

    assert sorted(m.to[0] for m in mailoutbox) == ["out0@example.org", "out1@example.org"]
    details = list(
        AuditEvent.objects.filter(actor=user, object_id__in=[str(m.pk) for m in outside])
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert len(details) == 4
    assert ["rate limit" in d for d in details] == [False, True, False, True]
