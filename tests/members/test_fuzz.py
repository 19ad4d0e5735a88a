"""Fuzz the public forms: any input gives a page with errors or a redirect, never a
500, and a rejected submission saves nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members import tokens
from members.forms import started_token
from members.models import Consent, Member
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db

JOIN_FIELDS = [
    "name",
    "email",
    "mobile",
    "branch",
    "branch_not_listed",
    "workplace",
    "grade",
    "is_union_member",
    "is_rep",
    "consent_faction",
    "consent_branch",
    "website",
    "started",
]

text = st.one_of(
    st.text(max_size=50),
    st.text(min_size=150, max_size=400),
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
