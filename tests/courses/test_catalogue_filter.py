"""The catalogue's address is cleaned into filters in one place: a value that is no choice is no filter."""

import pytest
from werkzeug.datastructures import MultiDict

from learnhub.courses.services import CatalogueFilter
from learnhub.people.models import ServiceType

MUNICIPALITIES = {3, 7}


def _filters(**args: str) -> CatalogueFilter:
    return CatalogueFilter.from_args(MultiDict(args), MUNICIPALITIES)


def test_choices_from_the_lists_become_filters():
    filters = _filters(q="parents", service_type="home_help", language="bs", municipality="7", mode="online",
                       upcoming="1")
    assert filters == CatalogueFilter(query="parents", service_type=ServiceType.HOME_HELP, language="bs",
                                      municipality_id=7, mode="online", upcoming_only=True)


@pytest.mark.parametrize("args", [
    {"service_type": "bakery"}, {"language": "de"}, {"mode": "by post"}, {"upcoming": "yes"},
    {"municipality": "8"}, {"municipality": "7x"}, {"municipality": "99999999999999999999"}, {},
])
def test_a_value_that_is_no_choice_is_no_filter(args):
    assert _filters(**args) == CatalogueFilter()


def test_a_long_search_keeps_its_first_hundred_characters():
    assert _filters(q="a" * 150).query == "a" * 100
