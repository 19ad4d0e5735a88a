"""Branch meetings: a whole AGM's result on one screen, AGM dates from CSV, scope."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaign.models import BranchMeeting, Nomination, NominationReport
from tests.campaign.admin.world import NOW
from tests.campaign.factories import CandidateFactory, PositionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(NOW, tick=False)
def test_bulk_entry_records_a_whole_agm_on_one_screen(client, world):
    client.force_login(world["national"])
    meeting = world["m"]["D3"]
    gec_pos = PositionFactory(election=world["gec"], title="GEC President")
    dan = CandidateFactory(position=gec_pos, name="Dan")
    url = reverse("admin:campaign_branchmeeting_result", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "NEC 2027" in html
    assert "DWP GEC 2027" in html
    assert "HMRC GEC" not in html
    nec, gec = world["nec"].pk, world["gec"].pk
    response = client.post(
        url,
        {
            f"e{nec}-pos_{world['pres'].pk}": [world["ann"].pk],
            f"e{nec}-other_{world['vps'].pk}": "Eve Other",
            f"e{gec}-pos_{gec_pos.pk}": [dan.pk],
            "who-reported_by": "Branch chair",
            "verify": "on",
        },
    )
    assert response.status_code == 302
    saved = Nomination.objects.active().filter(meeting=meeting)
    assert sorted(n.nominee for n in saved) == ["Ann", "Dan", "Eve Other"]
    assert all(n.verified_by == world["national"] for n in saved)
    assert NominationReport.objects.filter(meeting=meeting).count() == 2  # one per election


def test_bulk_entry_over_seats_shows_the_error_and_saves_nothing(client, world):
    client.force_login(world["national"])
    meeting = world["m"]["D3"]
    nec = world["nec"].pk
    response = client.post(
        reverse("admin:campaign_branchmeeting_result", args=[meeting.pk]),
        {
            f"e{nec}-pos_{world['vps'].pk}": [world["bob"].pk, world["cat"].pk],
            f"e{nec}-other_{world['vps'].pk}": "Third Person",
            "who-reported_by": "x",
        },
    )
    assert response.status_code == 200
    assert "no more than 2 candidates for Vice President" in response.content.decode()
    assert not Nomination.objects.filter(meeting=meeting).exists()


def test_agm_import_view_saves_a_good_file_and_refuses_a_bad_one(client, world):
    client.force_login(world["organiser"])
    url = reverse("admin:campaign_branchmeeting_import")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile(
        "agms.csv", b"branch_code,date\nD4,2027-02-12\nH1,2027-02-13\nD4,not-a-date\n"
    )
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 3: there is no branch H1 that you organise." in html  # out of scope
    assert "Line 4:" in html
    assert not BranchMeeting.objects.filter(branch=world["b"]["D4"]).exists()
    good = SimpleUploadedFile("agms.csv", b"branch_code,date,place\nD4,2027-02-12,Hall\n")
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert BranchMeeting.objects.get(branch=world["b"]["D4"]).place == "Hall"


def test_group_organiser_sees_only_their_branches_meetings(client, world):
    client.force_login(world["organiser"])
    listing = client.get(reverse("admin:campaign_branchmeeting_changelist")).content.decode()
    assert "(D1)" in listing
    assert "(H1)" not in listing
    other = world["m"]["H1"]
    assert (
        client.get(reverse("admin:campaign_branchmeeting_change", args=[other.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("admin:campaign_branchmeeting_result", args=[other.pk])).status_code
        == 404
    )
    nominations = client.get(reverse("admin:campaign_nomination_changelist")).content.decode()
    assert "H1:" not in nominations
    assert "D1:" in nominations


def test_meeting_mover_choices_are_scoped(client, world):
    client.force_login(world["organiser"])
    MemberFactory(branch=world["b"]["H1"])
    response = client.get(
        reverse("admin:campaign_branchmeeting_change", args=[world["m"]["D1"].pk])
    )
    assert response.status_code == 200
    assert timezone.now()


def test_meeting_change_page_links_to_the_result_screen(client, world):
    client.force_login(world["national"])
    meeting = world["m"]["D1"]
    html = client.get(
        reverse("admin:campaign_branchmeeting_change", args=[meeting.pk])
    ).content.decode()
    assert reverse("admin:campaign_branchmeeting_result", args=[meeting.pk]) in html


def test_verify_action_marks_nominations_checked(client, world):
    client.force_login(world["national"])
    pending = Nomination.objects.active().filter(verified_by__isnull=True)
    ids = list(pending.values_list("pk", flat=True))
    client.post(
        reverse("admin:campaign_nomination_changelist"),
        {"action": "verify", "_selected_action": ids},
    )
    assert not Nomination.objects.active().filter(pk__in=ids, verified_by__isnull=True).exists()
