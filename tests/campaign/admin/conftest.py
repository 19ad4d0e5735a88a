import pytest

from tests.campaign.admin.world import build_world


@pytest.fixture
def world(db):
    """A hand-counted fixture: two groups, a national and a group election."""
    return build_world()
