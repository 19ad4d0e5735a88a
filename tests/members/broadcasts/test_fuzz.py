"""Fuzz the compose form and the audience filters, and the send form: any input gives
a page with errors or a redirect, never a 500; an invalid form saves and sends nothing."""

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.broadcasts.audience import audience
from members.broadcasts.forms import BroadcastForm
from members.models import Broadcast, BroadcastDelivery, Member
from tests.members.factories import BroadcastFactory
from tests.members.permissions.worlds import organiser

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Generating overly large")]

huge = st.builds(
    lambda piece, length: (piece * (length // len(piece) + 1))[:length],
    st.text(min_size=1, max_size=20),
    st.integers(min_value=20_000, max_value=120_000),
)
text = st.one_of(
    st.text(max_size=60),
    huge,
    st.sampled_from(
        [
            "",
            " ",
            "{{ name }}",
            "{{ email }}",
            "{{",
            "}}",
            "{{ branch }}",
            "on",
            "EO",
            "AO",
            "faction",
            "branch",
            "politics",
            "2026-01-01",
            "2099-12-31",
            "0",
            "-1",
            "1",
            "\x00",
            "a@b.c",
            "x" * 300,
            "9" * 40,
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
        ]
    ),
    st.integers().map(str),
)
value = st.one_of(text, st.lists(text, max_size=4))
FIELDS = [
    "subject",
    "body",
    "consent",
    "reply_to",
    "audience_group",
    "audience_region",
    "audience_branch",
    "audience_grades",
    "audience_reps_only",
    "audience_joined_since",
]
SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _ids(people):
    a, b = people.world_a, people.world_b
    objects = (a.group, b.group, a.region, b.region, a.branch, b.branch)
    return st.sampled_from([str(o.pk) for o in objects])


@pytest.mark.parametrize("role", ["group", "regional"])
def test_compose_form_never_500s_and_an_invalid_one_saves_nothing(client, people, role):
    client.force_login(organiser(role, people.world_a, every_permission=False))
    url = reverse("admin:members_broadcast_add")
    saved = []

    fuzzed = st.fixed_dictionaries({}, optional={f: st.one_of(value, _ids(people)) for f in FIELDS})
    # Half the drawn forms have a good subject, body and consent, so valid forms occur.
    good = st.fixed_dictionaries(
        {"subject": st.just("AGM"), "body": st.just("Hi {{ name }}"), "consent": st.just("faction")}
    )

    @SETTINGS
    @given(data=st.one_of(fuzzed, st.builds(lambda g, f: {**f, **g}, good, fuzzed)))
    def run(data):
        before = Broadcast.objects.count()
        response = client.post(url, data)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:  # the form came back with errors
            assert Broadcast.objects.count() == before
        else:
            broadcast = Broadcast.objects.latest("pk")
            # A valid form never reaches outside the organiser's scope.
            assert not audience(broadcast).filter(pk=people.outside.pk).exists()
            assert broadcast.status == Broadcast.Status.DRAFT
            saved.append(broadcast.pk)
        assert django_mail.outbox == []
        assert not BroadcastDelivery.objects.exists()

    run()
    assert saved, "no valid form was drawn: the fuzzing checked only refusals"


def test_audience_filters_stay_in_scope_and_consent_whatever_they_hold(people):
    """Any combination of filters a valid form accepts gives a subset of the consenting
    members in scope (checked against a plain-Python reading of the rules)."""
    user = organiser("regional", people.world_a, every_permission=False)
    grades = st.lists(st.sampled_from(Member.Grade.values), max_size=3, unique=True)

    @SETTINGS
    @given(
        data=st.fixed_dictionaries(
            {
                "subject": st.just("Hi"),
                "body": st.just("Hi {{ name }}"),
                "consent": st.sampled_from(["faction", "branch"]),
            },
            optional={
                "audience_group": _ids(people),
                "audience_region": _ids(people),
                "audience_branch": _ids(people),
                "audience_grades": grades,
                "audience_reps_only": st.sampled_from(["on", ""]),
                "audience_joined_since": st.dates().map(str),
            },
        )
    )
    def run(data):
        form = type("F", (BroadcastForm,), {"user": user})(data)
        if not form.is_valid():
            return
        broadcast = form.save(commit=False)
        broadcast.take_scope_of(user)
        found = set(audience(broadcast))
        in_scope = {
            m
            for m in Member.objects.filter(branch__region=people.world_a.region)
            if m.status in ("confirmed", "active")
            and m.consents.filter(kind=broadcast.consent, withdrawn_at__isnull=True).exists()
        }
        assert found <= in_scope

    run()


def test_send_form_never_500s_and_sends_nothing_when_invalid(client, people):
    client.force_login(organiser("national", people.world_a, every_permission=False))
    broadcast = BroadcastFactory()
    url = reverse("admin:members_broadcast_act", args=[broadcast.pk])

    @SETTINGS
    @given(
        data=st.fixed_dictionaries(
            {"action": st.sampled_from(["send", "test", "cancel", "resume", "unschedule", "x"])},
            optional={"when": st.one_of(text, st.sampled_from(["later"])), "send_at": text},
        )
    )
    def run(data):
        response = client.post(url, data)
        assert response.status_code == 302
        broadcast.refresh_from_db()
        if data["action"] != "test":
            assert broadcast.status in (Broadcast.Status.DRAFT, Broadcast.Status.SCHEDULED)
        if broadcast.status == Broadcast.Status.SCHEDULED:
            Broadcast.objects.filter(pk=broadcast.pk).update(status="draft", send_at=None)
        assert not BroadcastDelivery.objects.exists()

    run()
