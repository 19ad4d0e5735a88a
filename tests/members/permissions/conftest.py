import pytest

from tests.members.permissions.worlds import make_world


@pytest.fixture
def worlds(db):
    """World A (the organisers' own) and world B (another group and region)."""
    return make_world("a"), make_world("b")
