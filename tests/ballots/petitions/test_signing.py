"""Signing a petition: double opt-in, one signature per address, no enumeration."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ballots.models import PetitionSignature
from ballots.petitions import services
from tests.ballots.factories import PetitionFactory, PetitionSignatureFactory
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _sign(client, petition, data, capture):
    with capture(execute=True):
        return client.post(reverse("ballots:petition_sign", args=[petition.slug]), data)


def _confirm_url(body: str) -> str:
    return re.search(r"https?://\S+(/petitions/confirm/\S+/)", body).group(1)


def test_a_signature_counts_only_once_confirmed(
    client, sign_data, django_capture_on_commit_callbacks
):
    petition = PetitionFactory(title="Pay up")
    branch = BranchFactory()
    response = _sign(
        client, petition, sign_data(branch=str(branch.pk)), django_capture_on_commit_callbacks
    )
    assert response["Location"] == reverse("ballots:petition_signed", args=[petition.slug])
    signature = PetitionSignature.objects.get()
    assert signature.branch == branch
    assert signature.workplace == ""  # a branch from the list is enough
    assert signature.confirmed_at is None
    [email] = mail.outbox
    assert email.to == ["ada@example.org"]
    assert "Pay up" in email.subject
    url = _confirm_url(email.body)
    page = client.get(url)
    assert "Confirm your signature" in page.content.decode()
    assert PetitionSignature.objects.get().confirmed_at is None  # a mail scanner's GET
    done = client.post(url, REMOTE_ADDR="203.0.113.9")
    assert "Your signature counts" in done.content.decode()
    signature.refresh_from_db()
    assert signature.confirmed_at is not None
    assert signature.confirmed_ip == "203.0.113.9"
    assert client.post(url).status_code == 200  # again: no error, no change


def test_a_repeat_saves_nothing_and_looks_the_same_whoever_the_address_is(
    client, sign_data, django_capture_on_commit_callbacks, settings
):
    from datetime import timedelta

    settings.MEMBERS_RESEND_INTERVAL = timedelta(0)
    petition = PetitionFactory()
    MemberFactory(email="member@example.org", status="confirmed")
    PetitionSignatureFactory(
        petition=petition, email="done@example.org", confirmed_at=timezone.now()
    )
    PetitionSignatureFactory(petition=petition, email="pending@example.org", name="Pending")
    answers = [
        _sign(client, petition, sign_data(email=e, name="X"), django_capture_on_commit_callbacks)
        for e in (
            "member@example.org",
            "new@example.org",
            "DONE@example.org",
            "pending@example.org",
        )
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("ballots:petition_signed", args=[petition.slug]))
    }
    assert PetitionSignature.objects.count() == 4  # two new, two repeats saved nothing
    assert PetitionSignature.objects.get(email="pending@example.org").name == "Pending"
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["done@example.org"].startswith("You have already signed")
    assert subjects["pending@example.org"].startswith("Confirm your signature")
    assert subjects["member@example.org"].startswith("Confirm your signature")


def test_a_double_click_sends_one_email(client, sign_data, django_capture_on_commit_callbacks):
    petition = PetitionFactory()
    _sign(client, petition, sign_data(), django_capture_on_commit_callbacks)
    _sign(client, petition, sign_data(), django_capture_on_commit_callbacks)
    assert PetitionSignature.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_closed_petition_takes_no_signatures(
    client, sign_data, django_capture_on_commit_callbacks
):
    petition = PetitionFactory(deadline=timezone.localdate() - timezone.timedelta(days=1))
    response = _sign(client, petition, sign_data(), django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "This petition has closed." in response.content.decode()
    assert not PetitionSignature.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": None}, "Tick the box to agree"),
        ({"email": "nope"}, "Enter an email address in the correct format"),
        ({"name": ""}, "Enter your name"),
        ({"workplace": ""}, "Choose your branch, or type your workplace"),
        ({"website": "x"}, "Leave the field"),
        ({"started": "forged"}, "This form has expired"),
        ({"branch": "999999"}, "Choose your branch from the list"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(
    client, sign_data, django_capture_on_commit_callbacks, overrides, message
):
    response = _sign(
        client, PetitionFactory(), sign_data(**overrides), django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PetitionSignature.objects.exists()
    assert mail.outbox == []


def test_a_tampered_confirm_link_is_refused(client):
    signature = PetitionSignatureFactory()
    token = services.confirm_token(signature)
    bad = reverse("ballots:petition_confirm", args=[token[:-2] + "xx"])
    assert client.post(bad).status_code == 400
    signature.refresh_from_db()
    assert signature.confirmed_at is None


def test_unpublished_petitions_are_404(client, sign_data):
    petition = PetitionFactory(is_published=False)
    assert client.get(petition.get_absolute_url()).status_code == 404
    url = reverse("ballots:petition_sign", args=[petition.slug])
    assert client.post(url, sign_data()).status_code == 404


def test_signing_is_rate_limited(client, sign_data, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "sign": "2/h"}
    url = reverse("ballots:petition_sign", args=[PetitionFactory().slug])
    codes = [client.post(url, sign_data(email=f"p{i}@example.org")).status_code for i in range(3)]
    assert codes == [302, 302, 429]
