"""Joint slates in the admin: affiliations and the recommended STV order, edited
inline on a position's page, checked as a whole, and only where the organiser may."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.models import Candidate, Election
from tests.campaign.factories import CandidateFactory, PositionFactory

pytestmark = pytest.mark.django_db


def _post(client, position, rows):
    """Save a position's slate as the admin form does: rows of (candidate, fields)."""
    data = {
        "election": position.election_id,
        "title": position.title,
        "seats": position.seats,
        "votes_per_member": 1,
        "order": position.order,
        "candidates-TOTAL_FORMS": len(rows),
        "candidates-INITIAL_FORMS": len(rows),
    }
    for i, (candidate, fields) in enumerate(rows):
        data |= {
            f"candidates-{i}-id": candidate.pk,
            f"candidates-{i}-position": position.pk,
            f"candidates-{i}-name": candidate.name,
            f"candidates-{i}-order": candidate.order,
            f"candidates-{i}-affiliation": "ours",
            f"candidates-{i}-partner": "",
            f"candidates-{i}-preference": "",
        }
        data |= {f"candidates-{i}-{key}": value for key, value in fields.items()}
    return client.post(reverse("admin:campaign_position_change", args=[position.pk]), data)


def _prefs(position):
    return dict(position.candidates.values_list("name", "preference"))


def test_organiser_swaps_the_recommended_order_inline(client, world):
    client.force_login(world["national"])
    vps, bob, cat = world["vps"], world["bob"], world["cat"]
    Candidate.objects.filter(pk=bob.pk).update(preference=1)
    Candidate.objects.filter(pk=cat.pk).update(preference=2)
    response = _post(
        client,
        vps,
        [
            (bob, {"preference": 2}),
            (cat, {"preference": 1, "affiliation": "partner", "partner": "Broad Left"}),
        ],
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _prefs(vps) == {"Bob": 2, "Cat": 1}
    cat.refresh_from_db()
    assert (cat.affiliation, cat.partner) == ("partner", "Broad Left")


@pytest.mark.parametrize(
    ("bob", "cat", "message"),
    [
        (1, 3, "no gaps"),
        (2, "", "no gaps"),
        (1, 1, "only one candidate"),
        (0, "", "Preferences start at 1"),
    ],
)
def test_a_broken_order_is_refused_with_a_message(client, world, bob, cat, message):
    client.force_login(world["national"])
    vps = world["vps"]
    response = _post(
        client, vps, [(world["bob"], {"preference": bob}), (world["cat"], {"preference": cat})]
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _prefs(vps) == {"Bob": None, "Cat": None}  # nothing half-saved


def test_no_order_in_an_fptp_election_and_a_partner_needs_a_name(client, world):
    client.force_login(world["national"])
    Election.objects.filter(pk=world["nec"].pk).update(voting_method="fptp")
    vps = world["vps"]
    response = _post(client, vps, [(world["bob"], {"preference": 1}), (world["cat"], {})])
    assert response.status_code == 200
    assert "Only an STV election has a recommended order" in response.content.decode()
    response = _post(client, vps, [(world["bob"], {"affiliation": "partner"}), (world["cat"], {})])
    assert response.status_code == 200
    assert "Name the joint slate partner" in response.content.decode()
    assert _prefs(vps) == {"Bob": None, "Cat": None}
    assert not Candidate.objects.filter(affiliation="partner").exists()


def test_group_organiser_edits_their_own_election_only(client, world):
    client.force_login(world["organiser"])
    own = PositionFactory(election=world["gec"], title="President")
    dee = CandidateFactory(position=own, name="Dee")
    eve = CandidateFactory(position=own, name="Eve")
    response = _post(
        client,
        own,
        [(dee, {"preference": 2, "affiliation": "independent"}), (eve, {"preference": 1})],
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _prefs(own) == {"Dee": 2, "Eve": 1}
    other = PositionFactory(election=world["hgec"], title="President")
    fay = CandidateFactory(position=other, name="Fay")
    assert _post(client, other, [(fay, {"preference": 1})]).status_code == 404
    url = reverse("admin:campaign_candidate_change", args=[fay.pk])
    assert client.get(url).status_code == 404  # not theirs: not there at all
    fay.refresh_from_db()
    assert fay.preference is None


def test_one_candidate_edited_alone_is_checked_against_the_slate(client, world):
    client.force_login(world["national"])
    vps, bob = world["vps"], world["bob"]
    Candidate.objects.filter(pk=world["cat"].pk).update(preference=1)
    url = reverse("admin:campaign_candidate_change", args=[bob.pk])
    data = {
        "position": vps.pk,
        "name": "Bob",
        "order": bob.order,
        "affiliation": "ours",
        "partner": "",
        "statement": "",
        "election_address": "",
    }
    response = client.post(url, data | {"preference": 3})
    assert response.status_code == 200
    assert "no gaps" in response.content.decode()
    response = client.post(url, data | {"preference": 1})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert client.post(url, data | {"preference": 2}).status_code == 302
    assert _prefs(vps) == {"Bob": 2, "Cat": 1}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefs=st.lists(
        st.one_of(st.none(), st.integers(-3, 40000), st.text(max_size=4)), min_size=2, max_size=2
    ),
    affiliations=st.lists(
        st.sampled_from(["ours", "partner", "independent", "", "bogus"]), min_size=2, max_size=2
    ),
    partners=st.lists(st.text(max_size=120), min_size=2, max_size=2),
)
def test_slate_inline_fuzz(client, world, prefs, affiliations, partners):
    """Whatever is typed: a page, never a 500; saved whole and in order, or not at all."""
    client.force_login(world["national"])
    vps = world["vps"]
    before = list(vps.candidates.values_list("name", "affiliation", "partner", "preference"))
    rows = [
        (
            candidate,
            {
                "preference": "" if pref is None else pref,
                "affiliation": affiliation,
                "partner": partner.replace("\x00", ""),
            },
        )
        for candidate, pref, affiliation, partner in zip(
            [world["bob"], world["cat"]], prefs, affiliations, partners, strict=True
        )
    ]
    response = _post(client, vps, rows)
    assert response.status_code in (200, 302)
    after = list(vps.candidates.values_list("name", "affiliation", "partner", "preference"))
    if response.status_code == 200:
        assert after == before
    else:
        numbers = [p for *_, p in after if p is not None]
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        for _, affiliation, partner, _ in after:
            assert bool(partner) == (affiliation == "partner")
