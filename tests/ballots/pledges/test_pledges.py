"""'I've voted': the link goes only to a voter's address (the page never says whose),
the report counts once, and a branch counts the larger of its contact's figure and
its members' own reports, never both."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ballots.models import VotePledge
from ballots.pledges import services
from ballots.pledges.forms import started_token
from ballots.selectors import turnout_by_unit, turnout_series
from tests.ballots.factories import BallotFactory, TurnoutReturnFactory
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ask(client, ballot, email, capture, **extra):
    data = {"email": email, "consent": "on", "website": "", "started": started_token(), **extra}
    with capture(execute=True):
        return client.post(reverse("ballots:pledge_form", args=[ballot.pk]), data)


def _link(body: str) -> str:
    return re.search(r"https?://\S+(/ballots/voted/\S+/)", body).group(1)


def test_the_link_goes_only_to_voters_and_the_page_is_the_same_for_all(
    client, live, django_capture_on_commit_callbacks
):
    MemberFactory(email="pending@example.org", branch=live["leeds"], status="pending")
    MemberFactory(email="elsewhere@example.org")  # a branch outside the ballot's units
    answers = [
        _ask(client, live["ballot"], e, django_capture_on_commit_callbacks)
        for e in (
            "ADA@example.org",
            "stranger@example.org",
            "pending@example.org",
            "elsewhere@example.org",
        )
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("ballots:pledge_sent", args=[live["ballot"].pk]))
    }
    [email] = mail.outbox
    assert email.to == ["ada@example.org"]
    assert "/ballots/voted/" in email.body
    assert not VotePledge.objects.exists()  # asking is not reporting


def test_the_link_records_one_report_on_post(client, live, django_capture_on_commit_callbacks):
    _ask(client, live["ballot"], "ada@example.org", django_capture_on_commit_callbacks)
    url = _link(mail.outbox[0].body)
    assert "I've voted" in client.get(url).content.decode()
    assert not VotePledge.objects.exists()  # a mail scanner's GET records nothing
    assert "Thank you for voting" in client.post(url).content.decode()
    assert "Thank you for voting" in client.post(url).content.decode()
    pledge = VotePledge.objects.get()
    assert (pledge.member, pledge.branch, pledge.reported_on) == (
        live["ada"],
        live["leeds"],
        timezone.localdate(),
    )


def test_a_link_stops_working_when_the_members_links_are_cancelled(client, live):
    token = services.pledge_token(live["ada"], live["ballot"], 1)
    live["ada"].secret = "new-secret"
    live["ada"].save()
    assert client.post(reverse("ballots:pledge_confirm", args=[token])).status_code == 400
    assert client.get(reverse("ballots:pledge_confirm", args=["junk"])).status_code == 400
    assert not VotePledge.objects.exists()


def test_no_reports_outside_voting(client, live, django_capture_on_commit_callbacks):
    closed = BallotFactory(opens_on=dt.date(2020, 1, 1), closes_on=dt.date(2020, 1, 31))
    response = _ask(client, closed, "ada@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Voting in this ballot is not open." in response.content.decode()
    token = services.pledge_token(live["ada"], closed, 1)
    response = client.post(reverse("ballots:pledge_confirm", args=[token]))
    assert response.status_code == 400
    assert not VotePledge.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"consent": ""}, "Tick the box to agree"),
        ({"email": "nope"}, "Enter an email address in the correct format"),
        ({"website": "x"}, "Leave the field"),
        ({"started": "x"}, "This form has expired"),
    ],
)
def test_bad_input_gets_a_message(client, live, django_capture_on_commit_callbacks, extra, message):
    response = _ask(
        client,
        live["ballot"],
        extra.pop("email", "ada@example.org"),
        django_capture_on_commit_callbacks,
        **extra,
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert mail.outbox == []


def test_a_branch_counts_the_larger_of_its_contacts_figure_and_its_members_reports(live):
    ballot, today = live["ballot"], timezone.localdate()
    user = UserFactory(is_superuser=True)
    TurnoutReturnFactory(ballot=ballot, branch=live["leeds"], counted_on=today, voted=3)

    def votes():
        [unit] = turnout_by_unit(ballot, user, as_of=today)
        return unit.votes, unit.own_reports, unit.reporting

    assert votes() == (3, 0, 1)
    services.pledge_record(member=live["bo"], ballot=ballot, consent_version=1)
    assert votes() == (4, 1, 2)  # York had no return: its member's report counts
    for _ in range(2):
        services.pledge_record(
            member=MemberFactory(branch=live["leeds"]), ballot=ballot, consent_version=1
        )
    assert votes() == (4, 3, 2)  # Leeds: 2 reports under the contact's 3, not 5
    for _ in range(2):
        services.pledge_record(
            member=MemberFactory(branch=live["leeds"]), ballot=ballot, consent_version=1
        )
    assert votes() == (5, 5, 2)  # Leeds: 4 reports over the contact's 3
    assert services.pledge_record(member=live["bo"], ballot=ballot, consent_version=1) is False
    assert votes() == (5, 5, 2)  # one member counts once
    series = turnout_series(ballot, user, unit_ids=[live["unit"].pk], as_of=today)
    assert series[live["unit"].pk][-1] == (today, 5)
    assert series[live["unit"].pk][0][1] == 0  # the first day, before any report


def test_the_dashboard_shows_members_own_reports_and_the_link(client, live):
    services.pledge_record(member=live["ada"], ballot=live["ballot"], consent_version=1)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(reverse("admin:ballots_ballot_dashboard", args=[live["ballot"].pk]))
    html = html.content.decode()
    assert "members&#x27; own reports: 1" in html or "members' own reports: 1" in html
    assert reverse("ballots:pledge_form", args=[live["ballot"].pk]) in html
