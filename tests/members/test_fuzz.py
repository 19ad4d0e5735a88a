"""Fuzz the public forms: any input gives a page with errors or a redirect, never a
500, and a rejected submission saves nothing."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from members import tokens
from members.forms import started_token
from members.models import Consent, Member
from tests.factories import BranchFactory, MemberFactory

pytestmark = [
    pytest.mark.django_db,
    # Hypothesis warns when it prints a 100,000-character example; that is the point.
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]

JOIN_FIELDS = [
    "name",
    "email",
    "mobile",
    "branch",
    "branch_not_listed",
    "group",
    "workplace",
    "grade",
    "is_union_member",
    "is_rep",
    "consent_faction",
    "consent_branch",
    "website",
    "started",
]

# Hypothesis draws at most a few thousand characters itself: a huge string is a
# drawn piece repeated to ~100,000 characters (any unicode, up to ~400 kB).
huge = st.builds(
    lambda piece, length: (piece * (length // len(piece) + 1))[:length],
    st.text(min_size=1, max_size=30),
    st.integers(min_value=90_000, max_value=110_000),
)
text = st.one_of(
    st.text(max_size=50),
    st.text(min_size=150, max_size=400),
    huge,
    st.sampled_from(["", " ", "yes", "no", "on", "EO", "1", "-1", "0", "x@y.z", "\x00", "9" * 40]),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
value = st.one_of(text, st.lists(text, min_size=0, max_size=3))
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def branch():
    return BranchFactory()


def _valid(branch):
    return {
        "name": "Ada",
        "email": "fuzz@example.org",
        "branch": str(branch.pk),
        "grade": "EO",
        "is_union_member": "yes",
        "consent_faction": "on",
        "started": started_token(),
    }


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(JOIN_FIELDS), value), keep_valid=st.booleans())
def test_join_form_never_500s_and_never_saves_half(client, branch, data, keep_valid):
    payload = {**_valid(branch), **data} if keep_valid else data
    before = (Member.objects.count(), Consent.objects.count())
    response = client.post("/join/", payload)
    assert response.status_code in {200, 302}
    after = (Member.objects.count(), Consent.objects.count())
    if response.status_code == 200:
        assert after == before
        assert "There is a problem" in response.content.decode()
    else:
        assert after[0] - before[0] in {0, 1}


MANAGE_FIELDS = [
    "name",
    "mobile",
    "branch",
    "branch_not_listed",
    "group",
    "workplace",
    "grade",
    "is_union_member",
    "is_rep",
]


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(MANAGE_FIELDS), value))
def test_manage_form_never_500s_and_keeps_data_on_error(client, branch, data):
    member = Member.objects.filter(email="keep@example.org").first() or MemberFactory(
        email="keep@example.org", name="Keep Me", branch=branch
    )
    name_before = Member.objects.get(pk=member.pk).name
    url = f"/me/{tokens.make_token(member, tokens.MANAGE)}/"
    response = client.post(url, data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert Member.objects.get(pk=member.pk).name == name_before


# Fields with a limit or a list: a huge value is refused with a message beside it.
JOIN_CHECKED = [
    "name",
    "email",
    "mobile",
    "branch",
    "branch_not_listed",
    "group",
    "workplace",
    "grade",
    "is_union_member",
]
JOIN_OPTIONAL = {"mobile", "branch_not_listed", "workplace"}
HUGE_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _row(member_id):
    return Member.objects.filter(pk=member_id).values().get()


@HUGE_SETTINGS
@given(field=st.sampled_from(JOIN_CHECKED), big=huge)
def test_a_huge_join_field_gets_a_clear_error_and_saves_nothing(client, branch, field, big):
    Consent.objects.all().delete()  # examples share the database
    Member.objects.all().delete()
    response = client.post("/join/", {**_valid(branch), field: big})
    if field in JOIN_OPTIONAL and not big.strip():
        # Only white space (90,000 U+0085, say) is a blank answer, which optional fields take.
        assert response.status_code == 302
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'id="id_{field}_error"' in html
    assert not Member.objects.exists()
    assert not Consent.objects.exists()


@HUGE_SETTINGS
@given(field=st.sampled_from(["website", "started"]), big=huge)
def test_a_huge_hidden_join_field_is_refused_politely(client, branch, field, big):
    Member.objects.all().delete()  # examples share the database
    response = client.post("/join/", {**_valid(branch), field: big})
    if field == "website" and not big.strip():
        assert response.status_code == 302  # only spaces: an empty honeypot, a person
        return
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Member.objects.exists()


@HUGE_SETTINGS
@given(field=st.sampled_from(["is_rep", "consent_branch", "use_work_email"]), big=huge)
def test_a_huge_tick_box_value_counts_as_ticked_and_saves_whole(client, branch, field, big):
    Member.objects.all().delete()  # examples share the database
    response = client.post("/join/", {**_valid(branch), field: big})
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.name == "Ada"
    assert member.consents.count() == (2 if field == "consent_branch" else 1)


@HUGE_SETTINGS
@given(big=huge)
def test_every_join_field_huge_at_once(client, branch, big, settings):
    payload = dict.fromkeys(JOIN_FIELDS, big)
    response = client.post("/join/", payload)
    size = sum(len(k) + len(v.encode()) for k, v in payload.items())
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    # Over the request size limit (megabytes: no person's form): Django's 400.
    expected = {400} if size > limit * 1.01 else {200} if size < limit * 0.99 else {200, 400}
    assert response.status_code in expected
    if response.status_code == 200:
        assert "There is a problem" in response.content.decode()
    assert not Member.objects.exists()


MANAGE_CHECKED = [
    "name",
    "mobile",
    "branch",
    "branch_not_listed",
    "group",
    "workplace",
    "grade",
    "is_union_member",
]


@HUGE_SETTINGS
@given(field=st.sampled_from(MANAGE_CHECKED), big=huge)
def test_a_huge_manage_field_gets_a_clear_error_and_changes_nothing(client, branch, field, big):
    # Only whitespace is stripped to a blank answer, which optional fields accept.
    assume(big.strip())
    member = Member.objects.filter(email="keep@example.org").first() or MemberFactory(
        email="keep@example.org", name="Keep Me", branch=branch, grade="EO"
    )
    before = _row(member.pk)
    valid = {
        "name": "Keep Me Too",  # a change that must not be saved beside the error
        "mobile": "",
        "branch": str(branch.pk),
        "branch_not_listed": "",
        "workplace": "",
        "grade": "EO",
        "is_union_member": "yes",
    }
    response = client.post(
        f"/me/{tokens.make_token(member, tokens.MANAGE)}/", {**valid, field: big}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'id="id_{field}_error"' in html
    assert _row(member.pk) == before
