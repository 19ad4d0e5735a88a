import pytest

from members.forms import started_token


@pytest.fixture(autouse=True)
def _join_defaults(settings):
    """Tests post at once and often: no minimum time, a generous rate limit,
    unless a test sets its own."""
    settings.MEMBERS_JOIN_MIN_SECONDS = 0
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        **{"join": "1000/h", "confirm": "1000/h", "manage": "1000/h"},
    }


@pytest.fixture
def join_data():
    def build(branch_obj, /, **overrides):
        data = {
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "mobile": "",
            "branch": str(branch_obj.pk),
            "branch_not_listed": "",
            "workplace": "",
            "grade": "EO",
            "is_union_member": "yes",
            "consent_faction": "on",
            "website": "",
            "started": started_token(),
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return build
