import pytest

from tests.factories import mentoring_world


@pytest.fixture
def world(app):
    """(programme, mentor, mentee, other): see tests.factories.mentoring_world."""
    return mentoring_world()
