"""The chase list, marking branches chased, bulk contact links with their reminders,
and a branch's contact history: scope per role, per-line CSV errors, nothing
half-sent, query counts at 1,000 branches."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign import outreach
from campaign.models import ContactEvent, NominationReport, Reminder
from members.models import AuditEvent, Branch, BranchContactLink, User
from tests.campaign.admin.world import NOW, TODAY
from tests.campaign.factories import MeetingFactory
from tests.factories import BranchContactLinkFactory, UserFactory

pytestmark = pytest.mark.django_db


def _link(branch, **fields):
    """A link live on the world's day (20 February 2027)."""
    return BranchContactLinkFactory(
        branch=branch, created_at=NOW, expires_at=NOW + datetime.timedelta(days=30), **fields
    )


def _url(name, world, branch=None):
    url = reverse(f"admin:campaign_election_{name}", args=[world["nec"].pk])
    return url if branch is None else f"{url}?branch={branch}"


def _get(client, user, url, data=None):
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        return client.get(url, data or {})


def _post(client, user, url, data):
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        with TestCase.captureOnCommitCallbacks(execute=True):  # the queued emails run
            return client.post(url, data)


def test_the_chase_list_shows_contact_last_contact_and_next_step(client, world):
    _link(world["b"]["D4"], contact_name="Dee", email="dee@example.org")
    html = _get(client, world["national"], _url("chase", world)).content.decode()
    # D1, D2 and H1 reported; D3 meets on 1 March; D4 has no AGM date.
    assert "D3 " in html
    assert "D4 " in html
    assert "D1 " not in html
    assert "dee@example.org" in html
    assert "Link not opened: phone or chase" in html
    assert "Send a contact link" in html  # D3 has no contact


def test_a_group_organiser_chases_only_their_branches_and_an_editor_is_refused(client, world):
    html = _get(client, world["organiser"], _url("chase", world)).content.decode()
    assert "H1 " not in html
    editor = UserFactory(username="ed", role=User.Role.EDITOR)
    assert _get(client, editor, _url("chase", world)).status_code == 403
    # Another group's election is not there at all for the DWP organiser.
    hgec = reverse("admin:campaign_election_chase", args=[world["hgec"].pk])
    assert _get(client, world["organiser"], hgec).status_code == 404


def test_marking_branches_chased_records_it_and_is_audited(client, world):
    d3, h1 = world["b"]["D3"], world["b"]["H1"]
    response = _post(
        client,
        world["organiser"],
        _url("chase", world),
        {"branch": [d3.pk], "note": "Phoned the secretary"},
    )
    assert response.status_code == 302
    event = ContactEvent.objects.get()
    assert (event.branch, event.kind, event.note) == (d3, "chased", "Phoned the secretary")
    assert AuditEvent.objects.filter(subject="campaign chase list", rows=1).exists()
    # Another group's branch is not a choice: nothing recorded.
    refused = _post(client, world["organiser"], _url("chase", world), {"branch": [h1.pk]})
    assert refused.status_code == 400
    assert ContactEvent.objects.count() == 1
    html = _get(client, world["organiser"], _url("chase", world)).content.decode()
    assert "Chased, 20 Feb 2027" in html


def test_the_chase_csv_is_formula_safe_and_audited(client, world):
    _link(world["b"]["D4"], contact_name="=cmd|' /C calc'!A0")
    response = _get(client, world["national"], _url("chase_csv", world))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["branch", "name", "status"]
    assert [r[0] for r in rows[1:]] == ["D3", "D4"]
    assert rows[2][3].startswith("'=")
    assert AuditEvent.objects.filter(action="export", subject="campaign chase list").exists()


def test_bulk_send_from_a_csv_previews_then_sends_every_link_with_reminders(client, world):
    text = "code,email,name\nD3,sec@d3.example.org,Sam\nd4,dee@example.org,Dee\n"
    preview = _post(client, world["national"], _url("bulk_links", world), {"csv_text": text})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Check before sending" in html
    assert "YOUR-PERSONAL-LINK" in html
    assert BranchContactLink.objects.count() == 0  # nothing before the confirmation
    sent = _post(
        client,
        world["national"],
        _url("bulk_links", world),
        {"csv_text": text, "confirm": "send"},
    )
    assert sent.status_code == 302
    links = BranchContactLink.objects.order_by("branch__code")
    assert [(link.branch.code, link.email) for link in links] == [
        ("D3", "sec@d3.example.org"),
        ("D4", "dee@example.org"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["dee@example.org", "sec@d3.example.org"]
    assert ContactEvent.objects.filter(kind="link_sent").count() == 2
    # D3 meets 1 March: notice (papers out 22 Feb, less 3 days: tomorrow), the day after, a chase.
    kinds = sorted(
        Reminder.objects.filter(link__branch=world["b"]["D3"]).values_list("kind", "due_on")
    )
    assert kinds == [
        ("chase", TODAY + datetime.timedelta(days=7)),
        ("notice", TODAY + datetime.timedelta(days=1)),
        ("report", datetime.date(2027, 3, 2)),
    ]
    assert AuditEvent.objects.filter(detail="bulk links sent for nec-2027", rows=2).exists()


def test_a_bad_csv_names_each_bad_line_and_sends_nothing(client, world):
    text = (
        "D3,sec@d3.example.org\nH1,h@example.org\nNOPE,x@example.org\n"
        "D4,not-an-email\nD3,again@example.org\n"
    )
    response = _post(client, world["organiser"], _url("bulk_links", world), {"csv_text": text})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Line 2: no branch &#x27;H1&#x27; among yours." in html  # HMRC: not the DWP organiser's
    assert "Line 3: no branch &#x27;NOPE&#x27; among yours." in html
    assert "Line 4: &#x27;not-an-email&#x27; is not an email address." in html
    assert "Line 5: branch D3 is on an earlier line too." in html
    assert BranchContactLink.objects.count() == 0
    assert not mail.outbox


def test_bulk_send_from_the_chase_list_uses_each_branchs_latest_contact(client, world):
    _link(world["b"]["D4"], contact_name="Dee", email="dee@example.org")
    data = {"branch": [world["b"]["D3"].pk, world["b"]["D4"].pk]}
    preview = _post(client, world["organiser"], _url("bulk_links", world), data)
    html = preview.content.decode()
    assert "1 chosen branch has no contact" in html
    sent = _post(client, world["organiser"], _url("bulk_links", world), {**data, "confirm": "send"})
    assert sent.status_code == 302
    assert [m.to for m in mail.outbox] == [["dee@example.org"]]


def test_bulk_send_needs_the_permission_to_send_links(client, world):
    editor = UserFactory(username="ed", role=User.Role.EDITOR)
    assert _get(client, editor, _url("bulk_links", world)).status_code == 403


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(["D1", "D3", "h1", "x@example.org", "bad", "", "=1+1", "Ann"]),
                st.text(max_size=40),
            ),
            max_size=4,
        ),
        max_size=6,
    )
)
def test_fuzzed_csv_never_fails_and_sends_nothing_or_everything(world, rows):
    """Any text: either every line is good and each gets a link, or a message per line."""
    text = "\n".join(",".join(c.replace("\x00", "") for c in row) for row in rows)
    branches = Branch.objects.filter(group=world["dwp"])
    before = BranchContactLink.objects.count()
    try:
        recipients = outreach.recipients_from_csv(text, branches)
    except outreach.BulkSendError as exc:
        problems = exc.messages
    else:
        problems = []
    if problems:
        assert all(isinstance(m, str) and m for m in problems)
        assert BranchContactLink.objects.count() == before
        return
    assert {r.branch.group_id for r in recipients} == {world["dwp"].pk}
    links = outreach.contact_links_bulk_send(
        election=world["nec"], recipients=recipients, user=world["organiser"]
    )
    assert BranchContactLink.objects.count() == before + len(recipients) == before + len(links)


def test_reminders_go_when_due_and_stop_once_the_branch_reports(world):
    d3 = world["b"]["D3"]
    recipients = [outreach.Recipient(d3, "Sam", "sam@example.org")]
    with time_machine.travel(NOW, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        outreach.contact_links_bulk_send(election=world["nec"], recipients=recipients, user=None)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = outreach.send_due_reminders(today=TODAY + datetime.timedelta(days=1))
    assert counts == {"sent": 1, "stopped": 0}  # the notice reminder
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]
    assert mail.outbox[0].subject.startswith("Reminder: your branch meeting's notice deadline")
    assert "earlier ones no longer work" in mail.outbox[0].body
    NominationReport.objects.create(
        meeting=world["m"]["D3"],
        election=world["nec"],
        version=1,
        source="contact",
        reported_by="Sam",
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = outreach.send_due_reminders(today=datetime.date(2027, 3, 2))
    assert counts == {"sent": 0, "stopped": 2}  # the chase and the report reminders
    assert len(mail.outbox) == 1
    assert ContactEvent.objects.filter(kind="reminder").count() == 1


def _bulk_send(world, branch, email, at=NOW):
    recipients = [outreach.Recipient(branch, "Sam", email)]
    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return outreach.contact_links_bulk_send(
            election=world["nec"], recipients=recipients, user=None
        )[0]


def _remind(day):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return outreach.send_due_reminders(today=day)


def test_reminders_due_together_go_as_one_email_whose_link_works(world):
    # An AGM six days after the send: its chase and its "report your result"
    # reminder both fall on the seventh day. Two emails would each carry a new
    # token, and the first would arrive with a dead link.
    d4 = world["b"]["D4"]
    MeetingFactory(branch=d4, date=TODAY + datetime.timedelta(days=6))
    link = _bulk_send(world, d4, "sam@example.org")
    mail.outbox.clear()
    day = TODAY + datetime.timedelta(days=7)
    assert sorted(link.reminders.filter(due_on=day).values_list("kind", flat=True)) == [
        "chase",
        "report",
    ]
    assert _remind(day) == {"sent": 1, "stopped": 0}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Reminder: please report your AGM's result")
    token = re.search(r"token=([\w-]+)", mail.outbox[0].body).group(1)
    assert BranchContactLink.from_token(token) == link
    assert not link.reminders.filter(due_on__lte=day, sent_at__isnull=True).exists()
    assert ContactEvent.objects.filter(kind="reminder").count() == 1
    assert _remind(day) == {"sent": 0, "stopped": 0}


def test_a_withdrawn_link_stops_its_own_reminders_not_the_other_contacts(world):
    # One send to two contacts of D4 (secretary and chair); the secretary's link
    # went to the wrong address and was withdrawn. Each has a chase a week later.
    d4 = world["b"]["D4"]
    recipients = [
        outreach.Recipient(d4, "Sec", "wrong@example.org"),
        outreach.Recipient(d4, "Chair", "right@example.org"),
    ]
    with time_machine.travel(NOW, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        wrong, _right = outreach.contact_links_bulk_send(
            election=world["nec"], recipients=recipients, user=None
        )
    wrong.revoke()
    mail.outbox.clear()
    assert _remind(TODAY + datetime.timedelta(days=7)) == {"sent": 1, "stopped": 1}
    assert [m.to for m in mail.outbox] == [["right@example.org"]]


def test_the_contact_history_lists_sent_chased_opened_and_reported(client, world):
    d3 = world["b"]["D3"]
    link = _link(d3, email="sam@example.org", last_used_at=NOW)
    ContactEvent.objects.create(branch=d3, election=world["nec"], kind="link_sent", link=link)
    ContactEvent.objects.create(branch=d3, election=world["nec"], kind="chased", note="Rang")
    html = _get(client, world["organiser"], _url("contact_history", world, d3.pk)).content.decode()
    assert "Link sent" in html
    assert "Rang" in html
    assert "Link opened" in html
    h1 = world["b"]["H1"]
    assert (
        _get(client, world["organiser"], _url("contact_history", world, h1.pk)).status_code == 404
    )


def test_the_chase_list_runs_a_fixed_number_of_queries_at_1000_branches(
    client, world, django_assert_num_queries
):
    with time_machine.travel(NOW, tick=False):
        client.force_login(world["national"])
        client.get(_url("chase", world))
        with django_assert_num_queries(15) as small:
            client.get(_url("chase", world))
        branches = Branch.objects.bulk_create(
            Branch(code=f"Z{i:04}", name=f"B{i}", group=world["dwp"], region=world["region"])
            for i in range(1000)
        )
        BranchContactLink.objects.bulk_create(
            BranchContactLink(
                branch=b,
                contact_name="C",
                email=f"c{i}@example.org",
                token_hash=f"{i:064}",
                expires_at=NOW + datetime.timedelta(days=30),
                created_at=NOW,
            )
            for i, b in enumerate(branches)
        )
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get(_url("chase", world))
    assert response.content.decode().count('type="checkbox" name="branch"') == 1002


def test_a_notice_reminder_whose_deadline_passed_is_stopped_not_sent(world):
    # An AGM 20 days after the send: its next deadline (14 days' notice) is on
    # day 6, its notice reminder on day 3. The daily run missed days 3 to 9; on
    # day 10 the chase goes, and the notice reminder, now wrong, does not.
    d4 = world["b"]["D4"]
    MeetingFactory(branch=d4, date=TODAY + datetime.timedelta(days=20))
    link = _bulk_send(world, d4, "sam@example.org")
    notice = link.reminders.get(kind="notice")
    assert notice.due_on == TODAY + datetime.timedelta(days=3)
    mail.outbox.clear()
    assert _remind(TODAY + datetime.timedelta(days=10)) == {"sent": 1, "stopped": 1}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Reminder: we have not heard from your branch")
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.stopped_at is not None


def test_a_new_send_to_a_branch_takes_over_its_reminders(world):
    """A second send to D4 a day later (a new secretary): the first link's unsent
    reminders stop, so the branch is chased once, through the new contact."""
    d4 = world["b"]["D4"]
    first = _bulk_send(world, d4, "old@example.org")
    second = _bulk_send(world, d4, "new@example.org", at=NOW + datetime.timedelta(days=1))
    assert not first.reminders.filter(stopped_at__isnull=True).exists()
    assert second.reminders.filter(stopped_at__isnull=True).count() == 1  # its chase
    mail.outbox.clear()
    assert _remind(TODAY + datetime.timedelta(days=8)) == {"sent": 1, "stopped": 0}
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
