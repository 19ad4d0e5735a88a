"""Slates people can find: every open election's call to action on the home page, slate
pages in the sitemap, a nominations sheet for national elections, and old addresses
of renamed elections and authors kept as permanent redirects."""

import pytest
import time_machine
from django.urls import reverse

from articles.models import Author
from campaign.models import Election, ElectionRedirect
from tests.articles.factories import AuthorFactory
from tests.campaign.factories import CandidateFactory, ElectionFactory, PositionFactory
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = "2027-02-01 12:00"


@time_machine.travel(DAY, tick=False)
def test_the_home_page_calls_for_every_open_election(client):
    ElectionFactory(name="NEC 2027", slug="nec-2027")
    ElectionFactory(name="DWP GEC 2027", slug="dwp-gec-2027", group=GroupFactory(code="dwp"))
    ElectionFactory(name="Draft 2027", slug="draft-2027", is_published=False)
    html = client.get("/").content.decode()
    assert "Nominate our candidates for NEC 2027" in html
    assert "Nominate our candidates for DWP GEC 2027" in html
    assert "Draft 2027" not in html


def test_slate_pages_are_in_the_sitemap(client):
    ElectionFactory(slug="nec-2027")
    ElectionFactory(slug="secret-2027", is_published=False)
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-elections.xml" in index
    section = client.get("/sitemap-elections.xml").content.decode()
    assert "http://testserver/elections/nec-2027/" in section
    assert "secret-2027" not in section
    assert "http://testserver/elections/" in client.get("/sitemap-home.xml").content.decode()


@time_machine.travel(DAY, tick=False)
def test_a_national_election_has_a_nominations_sheet(client):
    nec = ElectionFactory(name="NEC 2027", slug="nec-2027")
    CandidateFactory(position=PositionFactory(election=nec, title="President"), name="Ann Lee")
    ElectionFactory(name="DWP GEC 2027", slug="dwp-gec", group=GroupFactory(code="dwp"))
    slate = client.get(nec.get_absolute_url()).content.decode()
    sheet_url = reverse("campaign:national_nominations_sheet")
    assert f'href="{sheet_url}"' in slate
    sheet = client.get(sheet_url)
    html = sheet.content.decode()
    assert sheet.status_code == 200
    assert "Ann Lee" in html
    assert "DWP GEC 2027" not in html  # a group's election is on that group's sheet
    text = client.get(sheet_url, {"format": "txt"})
    assert "Ann Lee" in text.content.decode()
    assert 'filename="nominations-national.txt"' in text["Content-Disposition"]


def test_renaming_an_election_keeps_its_old_address(client):
    election = ElectionFactory(name="NEC 2027", slug="nec-2027")
    client.force_login(UserFactory(is_superuser=True))
    data = {
        "name": "NEC 2027",
        "slug": "nec-2027-slate",
        "intro": "",
        "voting_method": "stv",
        "agm_window_start": "2027-01-04",
        "agm_window_end": "2027-03-12",
        "nominations_close": "2027-03-19",
        "ballot_opens": "2027-04-06",
        "ballot_closes": "2027-05-04",
        "nominations_needed": "3",
        "is_published": "on",
        "positions-TOTAL_FORMS": "0",
        "positions-INITIAL_FORMS": "0",
        "reserved_rules-TOTAL_FORMS": "0",
        "reserved_rules-INITIAL_FORMS": "0",
    }
    url = reverse("admin:campaign_election_change", args=[election.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    old = client.get("/elections/nec-2027/")
    assert old.status_code == 301
    assert old["Location"] == "/elections/nec-2027-slate/"
    # Renamed back: the current address is never shadowed by the old redirect.
    client.post(url, {**data, "slug": "nec-2027"})
    assert client.get("/elections/nec-2027/").status_code == 200
    assert client.get("/elections/nec-2027-slate/").status_code == 301
    assert not ElectionRedirect.objects.filter(old_slug="nec-2027").exists()


def test_an_old_address_of_an_unpublished_election_is_a_404(client):
    election = ElectionFactory(slug="new-name", is_published=False)
    ElectionRedirect.remember(election=election, old_slug="old-name")
    assert client.get("/elections/old-name/").status_code == 404
    Election.objects.filter(pk=election.pk).update(is_published=True)
    assert client.get("/elections/old-name/").status_code == 301


def test_renaming_an_author_keeps_their_old_address(client):
    author = AuthorFactory(name="Dee Writer", slug="dee")
    client.force_login(UserFactory(is_superuser=True))
    url = reverse("admin:articles_author_change", args=[author.pk])
    response = client.post(url, {"name": "Dee Writer", "slug": "dee-writer", "bio": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Author.objects.get().slug == "dee-writer"
    old = client.get("/authors/dee/")
    assert old.status_code == 301
    assert old["Location"] == "/authors/dee-writer/"
