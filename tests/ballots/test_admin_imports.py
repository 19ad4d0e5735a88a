"""CSV imports of readiness figures and turnout returns: every line checked, all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ballots.models import BranchReadiness, TurnoutReturn
from members.models import User
from tests.ballots.conftest import organiser

pytestmark = pytest.mark.django_db


def _csv(text):
    return SimpleUploadedFile("figures.csv", text.encode(), content_type="text/csv")


READINESS_CSV = (
    "branch_code,taken_on,members,staff_in_post,with_email,with_mobile,with_contact,"
    "with_home_address,reps,advocates,meetings_held,ballot_committee\n"
    "JC-1,2026-03-20,80,120,60,50,70,75,2,1,1,yes\n"
    "TX-1,2026-03-20,40,,30,20,35,38,1,,,no\n"
)


def test_readiness_csv_import(client, world, national):
    client.force_login(national)
    before = BranchReadiness.objects.count()
    response = client.post(reverse("admin:ballots_readiness_import"), {"file": _csv(READINESS_CSV)})
    assert response.status_code == 302
    assert BranchReadiness.objects.count() == before + 2
    assert BranchReadiness.objects.filter(source="csv", branch__code="JC-1", ballot_committee=True)


def test_readiness_csv_with_bad_lines_reports_each_and_saves_nothing(client, world, national):
    client.force_login(national)
    text = (
        READINESS_CSV
        + "NOPE,2026-03-20,1,1,1,1,1,1,0,0,0,no\n"
        + "JC-2,tomorrow,5,5,9,1,1,1,0,0,0,maybe\n"
        + "JC-2,2026-03-20,5,5,9,1,9,1,0,0,0,no\n"
    )
    before = BranchReadiness.objects.count()
    response = client.post(reverse("admin:ballots_readiness_import"), {"file": _csv(text)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 4: Branch code &#x27;NOPE&#x27; is not a branch you can enter figures for" in html
    assert "Line 5: Ballot committee formed must be yes or no" in html
    assert "Line 6:" in html
    assert BranchReadiness.objects.count() == before


def test_readiness_csv_missing_columns_and_not_utf8(client, world, national):
    client.force_login(national)
    url = reverse("admin:ballots_readiness_import")
    assert (
        "Add the missing column(s) to the header row: members"
        in client.post(
            url, {"file": _csv("branch_code,taken_on\nJC-1,2026-03-01\n")}
        ).content.decode()
    )
    bad = SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    assert "must be a CSV saved as UTF-8" in client.post(url, {"file": bad}).content.decode()


def test_readiness_csv_cannot_reach_branches_outside_scope(client, world):
    user = organiser(User.Role.GROUP, group=world["g2"])
    client.force_login(user)
    html = client.post(
        reverse("admin:ballots_readiness_import"), {"file": _csv(READINESS_CSV)}
    ).content.decode()
    assert "Line 2: Branch code &#x27;JC-1&#x27; is not a branch you can enter figures for" in html


def test_turnout_csv_import(client, world, national):
    client.force_login(national)
    url = reverse("admin:ballots_turnout_import")
    assert client.get(url).status_code == 200
    ballot = world["ballot"]
    good = "branch_code,counted_on,voted\nJC-1,2026-03-05,10\nJC-2,2026-03-05,12\n"
    assert client.post(url, {"ballot": ballot.pk, "file": _csv(good)}).status_code == 302
    assert TurnoutReturn.objects.count() == 2
    bad = (
        "branch_code,counted_on,voted\nJC-1,2026-03-06,11\nJC-1,2026-03-06,12\nJC-2,2026-09-01,-1\n"
    )
    html = client.post(url, {"ballot": ballot.pk, "file": _csv(bad)}).content.decode()
    assert "Line 3: This branch has two counts for the same date: keep one" in html
    assert "Line 4:" in html
    assert TurnoutReturn.objects.count() == 2
