"""Public pages: the slate, its share image, the nominations sheet, the contact's report page."""

import datetime
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from campaign.models import BranchMeeting, Nomination, NominationReport
from core import pagecache
from members.models import BranchContactLink
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    NominationFactory,
    PositionFactory,
)
from tests.factories import BranchFactory, GroupFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2027, 2, 20, 12, tzinfo=datetime.UTC)


@pytest.fixture
def big_slate():
    """An election with a few hundred rows: 10 positions, 30 candidates, 300 nominations."""
    election = ElectionFactory(slug="nec-2027", name="NEC 2027", publish_counts=True)
    positions = [PositionFactory(election=election, title=f"Post {i}", seats=3) for i in range(10)]
    candidates = [CandidateFactory(position=p) for p in positions for _ in range(3)]
    meetings = MeetingFactory.create_batch(100)
    Nomination.objects.bulk_create(
        Nomination(meeting=m, position=c.position, candidate=c)
        for m in meetings
        for c in candidates[:3]
    )
    return election


def test_slate_page_shows_candidates_dates_and_counts_in_fixed_queries(
    client, big_slate, django_assert_max_num_queries
):
    client.get("/elections/nec-2027/")  # the page cache topics' first versions
    pagecache.invalidate(["slates"])
    # The positions and candidates are built once per change to the slate (a
    # fragment): read, and stored in the shared cache (5 queries), with the page's.
    with django_assert_max_num_queries(11):
        response = client.get("/elections/nec-2027/")
    with django_assert_max_num_queries(4):
        assert client.get("/elections/nec-2027/").content == response.content
    assert response.status_code == 200
    html = response.content.decode()
    assert "Post 9" in html
    assert "19 March 2027" in html  # nominations close
    assert "at least 28 days before the meeting" in html  # notice rules as data
    assert 'property="og:image"' in html
    assert "<strong>0</strong> of 3 branch nominations" in html  # unverified do not count


@time_machine.travel(TODAY, tick=False)
def test_election_list_shows_current_then_past_published_elections_in_fixed_queries(
    client, django_assert_max_num_queries
):
    """/elections/ (the header's "Elections") lists every published slate, never a draft."""
    ElectionFactory(name="NEC 2027", slug="nec-2027")
    ElectionFactory(
        name="NEC 2026",
        slug="nec-2026",
        agm_window_start=datetime.date(2026, 1, 5),
        agm_window_end=datetime.date(2026, 3, 13),
        nominations_close=datetime.date(2026, 3, 20),
        ballot_opens=datetime.date(2026, 4, 7),
        ballot_closes=datetime.date(2026, 5, 5),
    )
    ElectionFactory(name="Secret slate", slug="secret", is_published=False)
    for n in range(5):
        ElectionFactory(name=f"Group election {n}", group=GroupFactory(code=f"g{n}"))
    with django_assert_max_num_queries(2):
        response = client.get(reverse("campaign:election_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("NEC 2027") < html.index("Past elections") < html.index("NEC 2026")
    assert reverse("campaign:slate", args=["nec-2027"]) in html
    assert "Secret slate" not in html
    assert 'aria-current="page">Elections' in html


def test_slate_page_share_tags_use_site_url_not_the_request_host(client, settings):
    """A shared slate shows its title, summary and image on every network, from SITE_URL."""
    settings.SITE_URL = "https://rankandfile.example"
    settings.ALLOWED_HOSTS = ["*"]
    ElectionFactory(slug="nec-2027", name="NEC 2027", nominations_close=datetime.date(2027, 3, 19))
    html = client.get("/elections/nec-2027/", HTTP_HOST="evil.example").content.decode()
    image = "https://rankandfile.example/elections/nec-2027/og.png"
    assert "evil.example" not in html
    for tag in (
        '<meta property="og:title" content="NEC 2027: our candidates">',
        '<meta name="twitter:title" content="NEC 2027: our candidates">',
        '<meta name="twitter:description" content="Our slate for NEC 2027, and how to'
        ' nominate our candidates at your branch AGM by 19 March 2027.">',
        '<meta property="og:url" content="https://rankandfile.example/elections/nec-2027/">',
        f'<meta property="og:image" content="{image}">',
        f'<meta name="twitter:image" content="{image}">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta property="og:image:alt" content="NEC 2027: the names of our candidates">',
        '<meta property="og:image:width" content="1200">',
        'type="application/atom+xml"',
        f'href="https://rankandfile.example{reverse("articles:feed")}"',
    ):
        assert tag in html, tag
    assert html.count('property="og:image"') == 1  # the slate's image, not the default too


def test_slate_counts_only_verified_live_nominations(client, django_user_model):
    election = ElectionFactory(slug="gs", publish_counts=True)
    candidate = CandidateFactory(position=PositionFactory(election=election), name="Ann Smith")
    verified = NominationFactory(candidate=candidate)
    Nomination.objects.filter(pk=verified.pk).update(
        verified_by=django_user_model.objects.create(username="o"), verified_at=TODAY
    )
    NominationFactory(candidate=candidate)  # unverified
    html = client.get("/elections/gs/").content.decode()
    assert "<strong>1</strong> of 3" in html
    election.publish_counts = False
    election.save()
    assert "of 3 branch nominations" not in client.get("/elections/gs/").content.decode()


def test_unpublished_or_unknown_election_is_404(client):
    ElectionFactory(slug="draft", is_published=False)
    assert client.get("/elections/draft/").status_code == 404
    assert client.get("/elections/nothing/").status_code == 404


def test_og_image_is_a_png_drawn_once_per_slate_version(
    client, big_slate, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = client.get("/elections/nec-2027/og.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.size == (1200, 630)
    _, files = default_storage.listdir("campaign/og")
    assert len(files) == 1
    client.get("/elections/nec-2027/og.png")
    assert len(default_storage.listdir("campaign/og")[1]) == 1  # cached, not drawn again
    CandidateFactory(position=big_slate.positions.first(), name="New Name")
    client.get("/elections/nec-2027/og.png")
    assert len(default_storage.listdir("campaign/og")[1]) == 2  # a changed slate, a new image


@time_machine.travel(TODAY, tick=False)
def test_nominations_sheet_lists_national_and_group_elections(
    client, django_assert_max_num_queries
):
    dwp = GroupFactory(code="dwp", name="DWP")
    hmrc = GroupFactory(code="hmrc", name="HMRC")
    nec = ElectionFactory(name="NEC 2027", slug="nec")
    gec = ElectionFactory(name="DWP Group Executive 2027", slug="dwp-gec", group=dwp)
    ElectionFactory(name="HMRC Group Executive 2027", slug="hmrc-gec", group=hmrc)
    ElectionFactory(
        name="Closed",
        slug="closed",
        nominations_close=datetime.date(2027, 1, 1),
        agm_window_end=datetime.date(2026, 12, 1),
        agm_window_start=datetime.date(2026, 11, 1),
    )
    for election in (nec, gec):
        for i in range(20):
            p = PositionFactory(election=election, title=f"Seat {i}", seats=2)
            CandidateFactory.create_batch(2, position=p)
    CandidateFactory(position=PositionFactory(election=nec, title="President"), name="Ann Smith")
    with django_assert_max_num_queries(5):
        response = client.get(reverse("campaign:nominations_sheet", args=["dwp"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This branch nominates <strong>Ann Smith</strong> for President." in html
    assert "DWP Group Executive 2027" in html
    assert "HMRC Group Executive" not in html
    assert "Closed" not in html
    text = client.get(reverse("campaign:nominations_sheet", args=["dwp"]), {"format": "txt"})
    assert text["Content-Type"].startswith("text/plain")
    assert 'filename="nominations-dwp.txt"' in text["Content-Disposition"]
    assert "- This branch nominates Ann Smith for President." in text.content.decode()
    download = client.get(reverse("campaign:nominations_sheet", args=["dwp"]), {"format": "html"})
    assert "attachment" in download["Content-Disposition"]
    assert "<!doctype html>" in download.content.decode()


def test_nominations_sheet_has_lines_to_write_on_not_underscores(client):
    """Runs of underscores break mid-line on a phone; bordered blanks wrap whole."""
    GroupFactory(code="dwp")
    sheet = reverse("campaign:nominations_sheet", args=["dwp"])
    for response in (client.get(sheet), client.get(sheet, {"format": "html"})):
        html = response.content.decode()
        assert "___" not in html
        assert html.count('<span class="fill-in">') == 4  # branch, date, mover, seconder
        assert html.count("(blank, to fill in)") == 4  # said by screen readers
    download = client.get(sheet, {"format": "html"}).content.decode()
    assert ".fill-in {" in download  # the saved file carries its own styles


def test_nominations_sheet_for_unknown_group_is_404(client):
    assert client.get(reverse("campaign:nominations_sheet", args=["nope"])).status_code == 404


# The branch contact's report page --------------------------------------------------


@pytest.fixture
def contact():
    group = GroupFactory(code="dwp")
    branch = BranchFactory(group=group, name="DWP Leeds")
    election = ElectionFactory(slug="nec-2027")
    president = PositionFactory(election=election, title="President", seats=1)
    vps = PositionFactory(election=election, title="Vice President", seats=2)
    link, token = BranchContactLink.issue(
        branch=branch, contact_name="Jo Bloggs", email="jo@example.org", days=180
    )
    return {
        "branch": branch,
        "election": election,
        "president": president,
        "vps": vps,
        "ann": CandidateFactory(position=president, name="Ann"),
        "bob": CandidateFactory(position=vps, name="Bob"),
        "cat": CandidateFactory(position=vps, name="Cat"),
        "link": link,
        "token": token,
        "url": reverse("campaign:report", args=["nec-2027"]),
    }


def test_report_page_without_a_valid_token_is_refused(client, contact):
    assert client.get(contact["url"]).status_code == 403
    assert client.get(contact["url"], {"token": contact["token"] + "x"}).status_code == 403
    contact["link"].revoke()
    response = client.get(contact["url"], {"token": contact["token"]})
    assert response.status_code == 403
    assert "This link no longer works" in response.content.decode()


def test_link_for_another_groups_branch_cannot_report_in_a_group_election(client, contact):
    ElectionFactory(slug="hmrc-gec", group=GroupFactory(code="hmrc"))
    url = reverse("campaign:report", args=["hmrc-gec"])
    assert client.get(url, {"token": contact["token"]}).status_code == 403


def test_a_contact_link_does_not_open_an_unpublished_slate(client, contact):
    """The report page shows candidates: an election not yet public is not there to report on."""
    ElectionFactory(slug="draft-slate", is_published=False)
    url = reverse("campaign:report", args=["draft-slate"])
    assert client.get(url, {"token": contact["token"]}).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_contact_sets_the_agm_date(client, contact, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(contact["url"], {"token": contact["token"]})
    assert response.status_code == 200
    # Not "no-referrer": browsers would then post the form with Origin: null.
    assert response["Referrer-Policy"] == "same-origin"
    assert "DWP Leeds" in response.content.decode()
    response = client.post(
        contact["url"],
        {
            "token": contact["token"],
            "action": "agm",
            "agm-date": "10/03/2027",
            "agm-place": "Room 2",
        },
    )
    assert response.status_code == 302
    assert "saved=agm" in response["Location"]
    meeting = BranchMeeting.objects.get(branch=contact["branch"])
    assert (meeting.date, meeting.place, meeting.kind) == (
        datetime.date(2027, 3, 10),
        "Room 2",
        "agm",
    )


@time_machine.travel(TODAY, tick=False)
def test_agm_date_outside_the_window_gets_an_error_summary(client, contact):
    response = client.post(
        contact["url"], {"token": contact["token"], "action": "agm", "agm-date": "01/06/2027"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_agm-date"' in html
    assert "The AGM must be between 4 January 2027 and 12 March 2027" in html
    assert not BranchMeeting.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_contact_reports_nominations_saved_unverified(client, contact):
    MeetingFactory(branch=contact["branch"], date=datetime.date(2027, 2, 10))
    response = client.post(
        contact["url"],
        {
            "token": contact["token"],
            "action": "nominations",
            f"nom-pos_{contact['president'].pk}": [contact["ann"].pk],
            f"nom-pos_{contact['vps'].pk}": [contact["bob"].pk],
            f"nom-other_{contact['vps'].pk}": "Dee Other",
            "who-reported_by": "Jo Bloggs",
        },
    )
    assert response.status_code == 302
    nominations = Nomination.objects.active()
    assert sorted(n.nominee for n in nominations) == ["Ann", "Bob", "Dee Other"]
    assert all(n.verified_by is None for n in nominations)
    report = NominationReport.objects.get()
    assert report.link == contact["link"]
    assert report.source == "contact"
    # The page now shows what was reported, ticked.
    page = client.get(
        contact["url"], {"token": contact["token"], "saved": "nominations"}
    ).content.decode()
    assert "An organiser will check them" in page
    assert (
        f'value="{contact["ann"].pk}" id="id_nom-pos_{contact["president"].pk}_0" checked' in page
    )


@time_machine.travel(TODAY, tick=False)
def test_too_many_nominations_for_a_position_is_an_inline_error(client, contact):
    MeetingFactory(branch=contact["branch"], date=datetime.date(2027, 2, 10))
    response = client.post(
        contact["url"],
        {
            "token": contact["token"],
            "action": "nominations",
            f"nom-pos_{contact['vps'].pk}": [contact["bob"].pk, contact["cat"].pk],
            f"nom-other_{contact['vps'].pk}": "Dee Other",
            "who-reported_by": "Jo",
        },
    )
    assert response.status_code == 400
    assert "no more than 2 candidates for Vice President" in response.content.decode()
    assert not Nomination.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_nominations_cannot_be_reported_before_the_meeting(client, contact):
    MeetingFactory(branch=contact["branch"], date=datetime.date(2027, 3, 1))
    response = client.post(
        contact["url"],
        {"token": contact["token"], "action": "nominations", "who-reported_by": "Jo"},
    )
    assert response.status_code == 400
    assert "after the meeting on 1 March 2027" in response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_nominations_need_the_agm_date_first_and_every_problem_shows(client, contact):
    """With no meeting the report is refused, and the forms' own errors show beside it."""
    response = client.post(
        contact["url"], {"token": contact["token"], "action": "nominations", "who-reported_by": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tell us the date of your AGM first." in html
    assert "Enter your name" in html
    assert not NominationReport.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_report_page_reads_the_latest_meeting_in_the_window_and_never_moves_an_egm(client, contact):
    """The page reports for the branch's latest meeting in the AGM window; its AGM form
    sets the AGM, leaving an EGM where it is."""
    branch = contact["branch"]
    MeetingFactory(branch=branch, date=datetime.date(2026, 12, 1))  # before the window
    egm = MeetingFactory(branch=branch, kind=BranchMeeting.Kind.EGM, date=datetime.date(2027, 2, 1))
    html = client.get(contact["url"], {"token": contact["token"]}).content.decode()
    assert "We have your EGM on <strong>Monday 1 February 2027</strong>" in html
    response = client.post(
        contact["url"], {"token": contact["token"], "action": "agm", "agm-date": "10/02/2027"}
    )
    assert response.status_code == 302
    egm.refresh_from_db()
    assert egm.date == datetime.date(2027, 2, 1)
    agm = BranchMeeting.objects.get(branch=branch, kind=BranchMeeting.Kind.AGM, date__year=2027)
    assert agm.date == datetime.date(2027, 2, 10)


def test_report_page_is_rate_limited(client, contact, settings):
    settings.RATELIMITS = {"manage": "3/h"}
    for _ in range(3):
        assert client.get(contact["url"], {"token": "guess"}).status_code == 403
    assert client.get(contact["url"], {"token": "guess"}).status_code == 429


@time_machine.travel(TODAY, tick=False)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(
            ["agm-date", "agm-place", "who-reported_by", "nom-pos_1", "nom-other_1", "action"]
        ),
        st.one_of(
            st.text(max_size=300), st.sampled_from(["agm", "nominations", "31/02/2027", "99"])
        ),
    )
)
def test_report_form_fuzz_never_errors_or_half_saves(client, contact, data):
    """Whatever is posted: no 500, and either a whole report or nothing."""
    meeting = MeetingFactory(branch=contact["branch"], date=datetime.date(2027, 2, 10))
    vps = contact["vps"].pk
    data = {k.replace("_1", f"_{vps}"): v.replace("\x00", "") for k, v in data.items()}
    response = client.post(contact["url"], {"token": contact["token"], **data})
    assert response.status_code in (200, 302, 400)
    reports = NominationReport.objects.filter(meeting=meeting).count()
    assert reports in (0, 1)
    if reports == 0:
        assert not Nomination.objects.filter(meeting=meeting).exists()
    Nomination.objects.all().delete()
    NominationReport.objects.all().delete()
    BranchMeeting.objects.all().delete()
