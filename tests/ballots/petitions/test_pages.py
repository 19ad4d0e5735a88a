"""The public petition page: the live count in fixed queries, fresh from the cache."""

import pytest
from django.utils import timezone

from ballots.petitions import services
from tests.ballots.factories import PetitionFactory, PetitionSignatureFactory

pytestmark = pytest.mark.django_db


def _count(client, petition) -> str:
    html = client.get(petition.get_absolute_url()).content.decode()
    return html.split('<strong id="signed">', 1)[1].split("</strong>", 1)[0]


def test_the_page_shows_the_text_and_confirmed_count_in_fixed_queries(
    client, django_assert_max_num_queries
):
    petition = PetitionFactory(title="Pay up", target=50)
    PetitionSignatureFactory.create_batch(30, petition=petition, confirmed_at=timezone.now())
    PetitionSignatureFactory.create_batch(5, petition=petition)  # not confirmed
    with django_assert_max_num_queries(2):
        response = client.get(petition.get_absolute_url())
    html = response.content.decode()
    assert "<strong>pay up</strong>" in html
    assert '<strong id="signed">30</strong> signatures of our target of 50' in html
    assert 'value="60"' in html  # the progress bar


def test_a_closed_petition_offers_no_form(client):
    petition = PetitionFactory(deadline=timezone.localdate() - timezone.timedelta(days=1))
    assert "This petition closed on" in client.get(petition.get_absolute_url()).content.decode()


def test_a_confirmation_changes_the_cached_count_at_once(client, page_cache):
    petition = PetitionFactory()
    signature = PetitionSignatureFactory(petition=petition)
    assert _count(client, petition) == "0"
    assert client.get(petition.get_absolute_url())["X-Page-Cache"] == "hit"
    services.signature_confirm(signature=signature, ip=None)
    assert _count(client, petition) == "1"


def test_the_form_and_the_confirm_link_are_never_stored(client, page_cache):
    from django.urls import reverse

    petition = PetitionFactory()
    for url in (
        reverse("ballots:petition_sign", args=[petition.slug]),
        reverse(
            "ballots:petition_confirm",
            args=[services.confirm_token(PetitionSignatureFactory(petition=petition))],
        ),
    ):
        client.get(url)
        assert client.get(url).get("X-Page-Cache") != "hit"
