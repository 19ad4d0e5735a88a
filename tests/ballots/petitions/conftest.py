import pytest

from ballots.petitions.forms import started_token


@pytest.fixture(autouse=True)
def _sign_defaults(settings):
    """Tests post at once and often: no minimum time, generous rate limits."""
    settings.MEMBERS_JOIN_MIN_SECONDS = 0
    settings.RATELIMITS = {**settings.RATELIMITS, "sign": "1000/h", "confirm": "1000/h"}


@pytest.fixture
def sign_data():
    def build(**overrides):
        data = {
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "branch": "",
            "workplace": "Leeds Jobcentre",
            "consent": "on",
            "website": "",
            "started": started_token(),
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return build
