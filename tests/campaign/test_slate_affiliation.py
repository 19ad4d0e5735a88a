"""Joint slates: each candidate's affiliation, and the recommended STV order,
on the model, the public slate page and the nominations sheets."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from campaign.models import Candidate, Election
from campaign.models.elections import preference_order_error
from core import pagecache
from tests.campaign.factories import CandidateFactory, ElectionFactory, PositionFactory
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

URL = "/elections/nec-2027/"


@pytest.mark.parametrize(
    ("numbers", "ok"),
    [
        ([], True),
        ([None, None], True),
        ([1], True),
        ([2, 1, 3], True),
        ([1, None, 2], True),  # a candidate may be left out of the order
        ([2], False),  # does not start at 1
        ([1, 3], False),  # a gap
        ([1, 1], False),  # twice
        ([1, 2, 2, 3], False),
    ],
)
def test_preference_order_runs_one_to_n(numbers, ok):
    assert (preference_order_error(numbers) is None) is ok


def test_preference_order_errors_say_what_to_do():
    assert "only one candidate" in preference_order_error([1, 1])
    assert "use 1, 2" in preference_order_error([1, 3])


@pytest.fixture
def slate():
    election = ElectionFactory(slug="nec-2027", name="NEC 2027")
    vps = PositionFactory(election=election, title="Vice President", seats=3)
    return {
        "election": election,
        "vps": vps,
        "ann": CandidateFactory(position=vps, name="Ann Ours", order=1, preference=2),
        "bea": CandidateFactory(
            position=vps,
            name="Bea Partner",
            order=2,
            affiliation=Candidate.Affiliation.PARTNER,
            partner="Broad Left",
            preference=1,
        ),
        "cy": CandidateFactory(
            position=vps,
            name="Cy Indy",
            order=3,
            affiliation=Candidate.Affiliation.INDEPENDENT,
            preference=3,
        ),
    }


def test_candidate_clean_needs_a_partner_name_only_for_partners(slate):
    bea = slate["bea"]
    bea.partner = "  "
    with pytest.raises(ValidationError) as err:
        bea.full_clean()
    assert "partner" in err.value.message_dict
    cy = slate["cy"]
    cy.partner = "Broad Left"
    with pytest.raises(ValidationError) as err:
        cy.full_clean()
    assert "partner" in err.value.message_dict


def test_preferences_only_in_an_stv_election(slate):
    election = slate["election"]
    fptp = PositionFactory(
        election=ElectionFactory(voting_method=Election.VotingMethod.FPTP), title="President"
    )
    with pytest.raises(ValidationError) as err:
        Candidate(position=fptp, name="Dee", preference=1).full_clean()
    assert "STV" in err.value.message_dict["preference"][0]
    # An STV election with an order cannot become FPTP until the order is cleared.
    election.voting_method = Election.VotingMethod.FPTP
    with pytest.raises(ValidationError) as err:
        election.full_clean()
    assert "voting_method" in err.value.message_dict
    Candidate.objects.filter(position__election=election).update(preference=None)
    election.full_clean()


def _check_now():
    """The order's uniqueness is checked at commit; a test's transaction never commits."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS candidate_preference_unique_per_position IMMEDIATE")


def test_database_refuses_a_preference_twice_and_a_nameless_partner(slate):
    with transaction.atomic():
        CandidateFactory(position=slate["vps"], name="Dup", preference=1)
        with pytest.raises(IntegrityError):
            _check_now()
        transaction.set_rollback(True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateFactory(position=slate["vps"], name="X", affiliation="partner", partner="")
    # Deferred to the commit: numbers can be swapped one row at a time.
    with transaction.atomic():
        Candidate.objects.filter(pk=slate["ann"].pk).update(preference=1)
        Candidate.objects.filter(pk=slate["bea"].pk).update(preference=2)
        _check_now()
    assert [c.name for c in slate["vps"].recommended_order] == [
        "Ann Ours",
        "Bea Partner",
        "Cy Indy",
    ]


def test_slate_page_shows_affiliation_and_recommended_order(client, slate):
    html = client.get(URL).content.decode()
    assert '<p class="campaign-affiliation">Joint slate: Broad Left</p>' in html
    assert '<p class="campaign-affiliation">Independent</p>' in html
    assert html.count('class="campaign-affiliation"') == 2  # our own need no label
    # Written out in words and numbers, not told by colour or position alone.
    assert "Our recommended order" in html
    order = html.split('class="campaign-preferences__list"', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r"<li[^>]*>([^<]*)</li>", order) == [
        "1 Bea Partner",
        "2 Ann Ours",
        "3 Cy Indy",
    ]
    assert "Our preference: <strong>1</strong>" in html


def test_no_recommended_order_when_not_stv_or_not_given(client, slate):
    Candidate.objects.update(preference=None)
    html = client.get(URL).content.decode()
    assert "Our recommended order" not in html
    assert "Our preference" not in html
    Election.objects.update(voting_method=Election.VotingMethod.BLOCK)
    assert "Our recommended order" not in client.get(URL).content.decode()


def test_cached_slate_fragment_changes_with_affiliation_and_order(client, page_cache, slate):
    client.get(URL)
    assert client.get(URL)["X-Page-Cache"] == "hit"
    ann = slate["ann"]
    ann.affiliation = Candidate.Affiliation.INDEPENDENT
    ann.save()
    html = client.get(URL).content.decode()
    assert html.count('<p class="campaign-affiliation">Independent</p>') == 2
    Candidate.objects.filter(pk=ann.pk).update(preference=None)  # no signal: a queryset update
    cy = slate["cy"]
    cy.preference = 2
    cy.save()  # a model save: the slate topic moves
    order = client.get(URL).content.decode().split("campaign-preferences__list", 1)[1]
    assert "2 Cy Indy" in order.split("</ol>")[0]


def test_nominations_sheets_show_affiliation_and_order(client):
    dwp = GroupFactory(code="dwp", name="DWP")
    election = ElectionFactory(
        group=dwp,
        nominations_close=datetime.date(2099, 3, 19),
        ballot_opens=datetime.date(2099, 4, 6),
        ballot_closes=datetime.date(2099, 5, 4),
    )
    vps = PositionFactory(election=election, title="Vice President", seats=2)
    CandidateFactory(position=vps, name="Ann Ours", order=1, preference=2)
    CandidateFactory(
        position=vps,
        name="Bea Partner",
        order=2,
        affiliation="partner",
        partner="Broad Left",
        preference=1,
    )
    html = client.get("/elections/nominations-sheet/dwp/").content.decode()
    assert "<strong>Bea Partner</strong> (Joint slate: Broad Left)" in html
    assert "Our recommended order for the ballot: 1 Bea Partner, 2 Ann Ours." in html
    text = client.get("/elections/nominations-sheet/dwp/?format=txt").content.decode()
    assert "Ann Ours and Bea Partner (Joint slate: Broad Left) for Vice President." in text
    assert "Our recommended order for the ballot: 1 Bea Partner, 2 Ann Ours." in text


def test_slate_page_queries_do_not_grow_with_a_joint_slate(client, django_assert_max_num_queries):
    """The same bound as a plain slate (test_public): labels and order come from the prefetch."""
    election = ElectionFactory(slug="nec-2027", name="NEC 2027", publish_counts=True)
    for i in range(10):
        position = PositionFactory(election=election, title=f"Post {i}", seats=3)
        for n, affiliation in enumerate(["ours", "partner", "independent"], start=1):
            CandidateFactory(
                position=position,
                affiliation=affiliation,
                partner="Broad Left" if affiliation == "partner" else "",
                preference=4 - n,
            )
    client.get(URL)  # the page cache topics' first versions
    pagecache.invalidate(["slates"])
    with django_assert_max_num_queries(11):
        response = client.get(URL)
    html = response.content.decode()
    assert html.count("Our recommended order") == 10
    assert html.count("Joint slate: Broad Left") == 10
    with django_assert_max_num_queries(4):
        assert client.get(URL).content == response.content
