"""Every ballots form says how to put a problem right (GOV.UK style), never Django's defaults.

Each form is sent empty and with wrong values; the exact messages are checked, the
error summary links to the field, what was typed is kept, and nothing is saved.
"""

import datetime as dt
import html as htmllib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ballots.forms import ContactReadinessForm, ContactTurnoutForm, CsvUploadForm, GridDateForm
from ballots.models import Ballot, BranchReadiness, TurnoutReturn
from members.models import BranchContactLink

pytestmark = pytest.mark.django_db
URL = reverse("ballots:contact_report")
NOW = dt.datetime(2026, 3, 12, 10, tzinfo=dt.UTC)
DJANGO_DEFAULTS = [
    "This field is required",
    "Enter a whole number",
    "Enter a valid date",
    "Ensure this value",
    "Select a valid choice",
    "No file was submitted",
]


def _text(response) -> str:
    return htmllib.unescape(response.content.decode())


def _no_defaults(text):
    for default in DJANGO_DEFAULTS:
        assert default not in text


@pytest.fixture
def token(world):
    return BranchContactLink.issue(branch=world["b1"], contact_name="Sam", email="s@example.org")[1]


def _readiness(token, **values):
    return {"token": token, "action": "readiness", **{f"r-{k}": v for k, v in values.items()}}


GOOD = {
    "taken_on": "2026-03-12",
    "members": "80",
    "staff_in_post": "120",
    "with_email": "60",
    "with_mobile": "50",
    "with_contact": "70",
    "with_home_address": "75",
    "reps": "2",
    "advocates": "1",
    "meetings_held": "1",
}


def _messages(form) -> dict:
    form.is_valid()
    return {name: list(errors) for name, errors in form.errors.items()}


@time_machine.travel(NOW, tick=False)
def test_contact_readiness_sent_empty_asks_for_each_figure(client, token):
    """Every required figure has its own message; the summary links to each field."""
    before = BranchReadiness.objects.count()
    response = client.post(URL, _readiness(token))
    assert response.status_code == 200
    text = _text(response)
    expected = {
        "taken_on": "Enter the date of these figures, for example 2026-03-14",
        "members": "Enter how many members the branch has",
        "with_email": "Enter how many members have a personal email",
        "with_mobile": "Enter how many members have a mobile number",
        "with_contact": "Enter how many members have a personal email or a mobile number",
        "with_home_address": "Enter how many members have a home ballot address",
        "reps": "Enter how many reps the branch has, or 0",
        "advocates": "Enter how many workplace advocates the branch has, or 0",
        "meetings_held": "Enter how many members' meetings have been held, or 0",
    }
    assert {k: v[0] for k, v in response.context["readiness_form"].errors.items()} == expected
    for field, message in expected.items():
        assert f'<a href="#id_r-{field}">{message}</a>' in text
    assert "<title>Error: Ballot figures" in text
    _no_defaults(text)
    assert BranchReadiness.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"members": "lots"}, "members", "Members must be a whole number, like 120"),
        ({"members": "80.5"}, "members", "Members must be a whole number, like 120"),
        ({"members": "2000000"}, "members", "Members must be 1,000,000 or fewer"),
        ({"reps": "-1"}, "reps", "Reps must be 0 or more"),
        (
            {"with_email": "81"},
            "with_email",
            "Members with a personal email cannot be more than the members (80)",
        ),
        ({"reps": "81"}, "reps", "Reps cannot be more than the members (80)"),
        (
            {"staff_in_post": "79"},
            "staff_in_post",
            "Staff in post cannot be fewer than the members (80). Leave it empty if you do "
            "not know",
        ),
        (
            {"with_contact": "55"},
            "with_contact",
            "Members with a personal email or mobile cannot be fewer than those with a "
            "personal email (60)",
        ),
        (
            {"with_email": "20", "with_contact": "45"},
            "with_contact",
            "Members with a personal email or mobile cannot be fewer than those with a "
            "mobile number (50)",
        ),
        (
            {"with_email": "10", "with_mobile": "20", "with_contact": "31"},
            "with_contact",
            "Members with a personal email or mobile cannot be more than those with an email "
            "plus those with a mobile (10 + 20 = 30)",
        ),
        (
            {"taken_on": "14 March"},
            "taken_on",
            "The date of these figures must be a real date, for example 2026-03-14",
        ),
        (
            {"taken_on": "2026-02-30"},
            "taken_on",
            "The date of these figures must be a real date, for example 2026-03-14",
        ),
        (
            {"taken_on": "2026-03-13"},
            "taken_on",
            "The date of these figures must be today or in the past",
        ),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_contact_readiness_wrong_values_say_how_to_fix_them(client, token, changes, field, message):
    """One message for the one wrong figure, linked from the summary; the typed value is kept."""
    before = BranchReadiness.objects.count()
    response = client.post(URL, _readiness(token, **{**GOOD, **changes}))
    assert response.status_code == 200
    assert dict(response.context["readiness_form"].errors) == {field: [message]}
    text = _text(response)
    assert f'<a href="#id_r-{field}">{message}</a>' in text
    assert f'aria-describedby="id_r-{field}_error"' in text or f"id_r-{field}_error" in text
    typed = changes[field] if field in changes else GOOD[field]
    assert f'value="{typed}"' in text
    assert BranchReadiness.objects.count() == before


@time_machine.travel(NOW, tick=False)
def test_contact_readiness_reads_numbers_written_with_thousands(client, token):
    """ "1,200" and "1 200" are numbers people write; "1 2" is not."""
    big = {**GOOD, "members": "1,200", "staff_in_post": "1 500"}
    assert client.post(URL, _readiness(token, **big)).status_code == 302
    saved = BranchReadiness.objects.latest("id")
    assert (saved.members, saved.staff_in_post) == (1200, 1500)
    form = ContactReadinessForm({"r-members": "1 2"}, prefix="r")
    assert _messages(form)["members"] == ["Members must be a whole number, like 120"]


def _turnout(ballot, token, **values):
    return {
        "token": token,
        "action": "turnout",
        "ballot": str(ballot.pk),
        **{f"t{ballot.pk}-{k}": v for k, v in values.items()},
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {},
            {
                "counted_on": "Enter the date of the count, for example 2026-03-14",
                "voted": "Enter how many members have told you they voted",
            },
        ),
        (
            {"counted_on": "12/3", "voted": "many"},
            {
                "counted_on": "The date of the count must be a real date, for example 2026-03-14",
                "voted": "Members who have voted must be a whole number, like 45",
            },
        ),
        (
            {"counted_on": "2026-03-12", "voted": "-2"},
            {"voted": "Members who have voted must be 0 or more"},
        ),
        (
            {"counted_on": "2026-03-12", "voted": "201"},
            {
                "voted": "Members who have voted cannot be more than the members entitled to "
                "vote (200)"
            },
        ),
        (
            {"counted_on": "2026-04-01", "voted": "4"},
            {
                "counted_on": "The date of the count must be between 2 March 2026 and "
                "31 March 2026, while voting runs"
            },
        ),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_contact_turnout_messages(client, token, world, values, expected):
    """The turnout form on the signed link: each problem named, linked, nothing saved."""
    ballot = world["ballot"]
    response = client.post(URL, _turnout(ballot, token, **values))
    assert response.status_code == 200
    form = next(f for b, f, _ in response.context["turnout_forms"] if b == ballot)
    assert {k: v[0] for k, v in form.errors.items()} == expected
    text = _text(response)
    for field, message in expected.items():
        assert f'<a href="#id_t{ballot.pk}-{field}">{message}</a>' in text
    for value in values.values():
        assert f'value="{value}"' in text
    _no_defaults(text)
    assert not TurnoutReturn.objects.exists()


def test_plain_forms_have_no_django_default_messages():
    """The grid date, CSV upload and contact turnout forms, sent empty."""
    assert _messages(GridDateForm({})) == {
        "on": ["Enter the date of these figures, for example 2026-03-14"]
    }
    assert _messages(GridDateForm({"on": "tomorrow"})) == {
        "on": ["The date of these figures must be a real date, for example 2026-03-14"]
    }
    assert _messages(CsvUploadForm({}, {})) == {"file": ["Select a CSV file"]}
    empty = SimpleUploadedFile("x.csv", b"", content_type="text/csv")
    assert _messages(CsvUploadForm({}, {"file": empty})) == {"file": ["The selected file is empty"]}
    assert set(_messages(ContactTurnoutForm({}))) == {"counted_on", "voted"}


def _csv(text):
    return SimpleUploadedFile("figures.csv", text.encode(), content_type="text/csv")


def test_turnout_csv_form_messages(client, world, national):
    """No ballot, no file; then a count above the unit's entitlement, by line."""
    client.force_login(national)
    url = reverse("admin:ballots_turnout_import")
    text = _text(client.post(url, {}))
    assert '<a href="#id_ballot">Choose the ballot these counts are for</a>' in text
    assert '<a href="#id_file">Select a CSV file</a>' in text
    _no_defaults(text)
    bad = "branch_code,counted_on,voted\nJC-1,2026-03-05,201\nTX-1,2026-03-05,x\n"
    text = _text(client.post(url, {"ballot": world["ballot"].pk, "file": _csv(bad)}))
    assert (
        "Line 2: Members who have voted cannot be more than the members entitled to vote (200)"
        in text
    )
    assert "Line 3: Members who have voted must be a whole number, like 45" in text
    assert not TurnoutReturn.objects.exists()


def test_readiness_csv_line_errors_need_no_field_label(client, world, national):
    client.force_login(national)
    bad = "branch_code,taken_on,members\nJC-1,,\n"
    text = _text(client.post(reverse("admin:ballots_readiness_import"), {"file": _csv(bad)}))
    assert "Line 2: Enter the date of these figures, for example 2026-03-14" in text
    assert "Line 2: Enter how many members the branch has" in text
    assert "Line 2: Enter how many members have a personal email" in text


def test_grid_errors_link_to_the_branchs_input(client, world, national):
    """In the grids, each summary line links to the input it is about."""
    client.force_login(national)
    b1 = world["b1"]
    url = reverse("admin:ballots_readiness_grid")
    response = client.post(
        url,
        {"on": "2026-03-10", f"b{b1.pk}-members": "80", f"b{b1.pk}-with_email": "90"},
    )
    text = _text(response)
    assert (
        f'<a href="#b{b1.pk}-with_email">Branch JC-1: Members with a personal email cannot be '
        "more than the members (80)</a>" in text
    )
    assert 'value="90"' in text
    text = _text(client.post(url, {"on": ""}))
    assert '<a href="#id_on">Enter the date of these figures, for example 2026-03-14</a>' in text
    turnout = reverse("admin:ballots_turnout_grid", args=[world["ballot"].pk])
    text = _text(client.post(turnout, {"on": "2026-03-10", f"b{b1.pk}-voted": "lots"}))
    assert (
        f'<a href="#b{b1.pk}-voted">Branch JC-1: Members who have voted must be a whole '
        "number, like 45</a>" in text
    )
    assert not TurnoutReturn.objects.exists()


def _inline(prefix):
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_admin_ballot_form_messages(client, world, national):
    """The ballot's dates: say which date, with an example, and close on or after opening."""
    client.force_login(national)
    url = reverse("admin:ballots_ballot_add")
    base = {"kind": "statutory", **_inline("ballot_units"), **_inline("action_dates")}
    response = client.post(url, base)
    errors = {k: list(v) for k, v in response.context["adminform"].form.errors.items()}
    assert errors == {
        "name": ["Enter the ballot's name, for example Pay ballot 2027"],
        "opens_on": ["Enter the date the ballot opens, for example 2027-03-01"],
        "closes_on": ["Enter the date the ballot closes, for example 2027-03-29"],
    }
    response = client.post(
        url,
        {
            **base,
            "name": "Pay",
            "opens_on": "2027-03-14",
            "closes_on": "2027-03-01",
            "new_member_cutoff": "31/02",
        },
    )
    errors = {k: list(v) for k, v in response.context["adminform"].form.errors.items()}
    assert errors == {
        "closes_on": [
            "The date the ballot closes must be the same as or after the date it opens "
            "(14 March 2027)"
        ],
        "new_member_cutoff": [
            "The date after which new members get no vote must be a real date, for example "
            "2027-02-15"
        ],
    }
    assert not Ballot.objects.filter(name="Pay").exists()


def test_admin_turnout_and_readiness_add_forms(client, world, national):
    client.force_login(national)
    response = client.post(reverse("admin:ballots_turnoutreturn_add"), {})
    errors = {k: list(v) for k, v in response.context["adminform"].form.errors.items()}
    assert errors == {
        "ballot": ["Choose the ballot this count is for"],
        "branch": ["Choose the branch this count is for"],
        "counted_on": ["Enter the date of the count, for example 2026-03-14"],
        "voted": ["Enter how many members have voted so far"],
    }
    response = client.post(
        reverse("admin:ballots_turnoutreturn_add"),
        {
            "ballot": world["ballot"].pk,
            "branch": world["b1"].pk,
            "counted_on": "2026-03-05",
            "voted": "500",
        },
    )
    errors = {k: list(v) for k, v in response.context["adminform"].form.errors.items()}
    assert errors == {
        "voted": ["Members who have voted cannot be more than the members entitled to vote (200)"]
    }
    response = client.post(reverse("admin:ballots_branchreadiness_add"), {"members": "x"})
    errors = response.context["adminform"].form.errors
    assert errors["branch"] == ["Choose the branch these figures are for"]
    assert errors["members"] == ["Members must be a whole number, like 120"]
    assert not TurnoutReturn.objects.exists()
