"""Importing branches and workplaces from CSV: per-line errors, all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.imports import ImportFailed, structure_import
from members.models import AuditEvent, Branch, User, Workplace
from tests.factories import BranchFactory, GroupFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = """code,name,group,region,workplace,town
DWP-900,Leeds DWP,dwp,yorkshire,Jobcentre Leeds,Leeds
DWP-900,Leeds DWP,dwp,yorkshire,Benefit Centre,Leeds
HMRC-901,Glasgow HMRC,HM Revenue and Customs,scotland,,
"""


@pytest.fixture(autouse=True)
def structure():
    GroupFactory(code="dwp", name="Department for Work and Pensions")
    GroupFactory(code="hmrc", name="HM Revenue and Customs")
    RegionFactory(code="yorkshire", name="Yorkshire")
    RegionFactory(code="scotland", name="Scotland")


def test_good_file_creates_branches_and_workplaces():
    report = structure_import(data=GOOD.encode())
    assert (report.branches_created, report.workplaces_created) == (2, 2)
    assert Branch.objects.get(code="HMRC-901").group.code == "hmrc"
    assert Workplace.objects.filter(branch__code="DWP-900").count() == 2
    again = structure_import(data=GOOD.encode())
    assert again.rows == 0  # idempotent


def test_existing_branch_is_updated():
    BranchFactory(code="DWP-900", name="Old name")
    report = structure_import(data=GOOD.encode())
    assert report.branches_updated == 1
    assert Branch.objects.get(code="DWP-900").name == "Leeds DWP"


def test_bad_rows_are_reported_by_line_and_nothing_is_saved():
    bad = GOOD + "X-1,,dwp,nowhere,,\nDWP-900,Other name,dwp,yorkshire,,\n,,,,,\n"
    with pytest.raises(ImportFailed) as caught:
        structure_import(data=bad.encode())
    errors = dict(caught.value.errors)
    assert set(errors) == {5, 6}
    assert "Name is empty" in errors[5]
    assert "no region with code or name 'nowhere'" in errors[5]
    assert "different name, group or region on line 2" in errors[6]
    assert not Branch.objects.exists()
    assert not Workplace.objects.exists()


def test_line_numbers_count_blank_lines():
    # DictReader skips the blank lines 2 and 6 unseen; the bad row is line 7 of the file.
    data = GOOD.replace("\n", "\n\n", 1) + "\nX-1,Bad,dwp,nowhere,,\n"
    with pytest.raises(ImportFailed) as caught:
        structure_import(data=data.encode())
    assert [line for line, _ in caught.value.errors] == [7]
    assert "nowhere" in caught.value.errors[0][1]


def test_line_numbers_count_quoted_fields_that_span_lines():
    data = (
        "code,name,group,region,workplace,town\n"
        'DWP-900,Leeds DWP,dwp,yorkshire,"Jobcentre\nLeeds\nNorth",Leeds\n'  # lines 2-4
        "X-1,Bad,dwp,nowhere,,\n"  # line 5
        'X-2,"Two\nlines",dwp,nowhere,,\n'  # lines 6-7
        "X-3,Bad,dwp,nowhere,,\n"  # line 8
    )
    with pytest.raises(ImportFailed) as caught:
        structure_import(data=data.encode())
    assert [line for line, _ in caught.value.errors] == [5, 6, 8]


def test_line_number_of_a_duplicate_branch_names_its_first_line():
    data = (
        "code,name,group,region,workplace,town\n"
        '\nDWP-900,Leeds DWP,dwp,yorkshire,"Two\nlines",\n'  # blank line 2, row on 3-4
        "DWP-900,Other,dwp,yorkshire,,\n"  # line 5
    )
    with pytest.raises(ImportFailed) as caught:
        structure_import(data=data.encode())
    assert caught.value.errors[0][0] == 5
    assert "on line 3" in caught.value.errors[0][1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"code,name\nA,B\n", "missing: group, region"),
        (b"code,name,group,region\n", "no rows"),
    ],
)
def test_broken_files_are_refused(data, message):
    with pytest.raises(ImportFailed) as caught:
        structure_import(data=data)
    assert message in caught.value.errors[0][1]


def test_admin_import_page(client):
    user = UserFactory(role=User.Role.NATIONAL, is_superuser=True)
    client.force_login(user)
    url = reverse("admin:members_branch_import")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("b.csv", (GOOD + "Y,Y,nope,scotland,,\n").encode())
    response = client.post(url, {"file": bad})
    assert "Line 5:" in response.content.decode()
    assert not Branch.objects.exists()
    good = SimpleUploadedFile("b.csv", GOOD.encode())
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert Branch.objects.count() == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert event.rows == 4
    assert event.actor == user


def test_admin_import_is_for_national_organisers_only(client):
    region = RegionFactory(code="scotland")
    client.force_login(UserFactory(role=User.Role.REGIONAL, region=region))
    assert client.get(reverse("admin:members_branch_import")).status_code in {302, 403}


def test_command(tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text(GOOD)
    call_command("import_structure", str(path))
    assert "2 branches created" in capsys.readouterr().out
    path.write_text("code,name,group,region\nZ,Z,nope,scotland\n")
    with pytest.raises(CommandError):
        call_command("import_structure", str(path))
    assert "line 2" in capsys.readouterr().err
