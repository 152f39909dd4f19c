"""Odd numbers and NUL characters in what visitors send, on every route of the access matrix: ids and page
numbers beyond any database column, digits that are not ASCII, NUL bytes in addresses and fields.
Whatever arrives, the answer is a page, never a server error; a NUL character anywhere is a 400 that
changes nothing (PostgreSQL text cannot hold one)."""

from urllib.parse import urlencode

import pytest

from learnhub.extensions import limiter
from learnhub.navigation import MAX_WHOLE_NUMBER, optional_whole_number, requested_page, whole_numbers
from tests.access_matrix import MATRIX
from tests.access_world import matrix_request, row_count
from tests.factories import PASSWORD

HUGE = "99999999999999999999999"  # beyond 64 bits: SQLite cannot bind it, PostgreSQL's bigint overflows
ODD_NUMBERS = [HUGE, str(MAX_WHOLE_NUMBER + 1), "²", "-1", str(MAX_WHOLE_NUMBER)]  # the last: no row has it
# What routes read by name besides their forms' own fields: page numbers, filters, ticked ids, ratings.
NAMED_FIELDS = ["page", "municipality", "municipality_id", "learning_set_id", "enrolment_id", "present", "member_ids",
                "mentor_ids", "organisation_ids", "accessibility", "usefulness", "quality", "scope"]
# Roles in the order tried: the first the matrix lets through reaches the route's own code (where none
# is, the first still gets past signing in).
ROLE_ORDER = ["institute_admin", "trainer", "mentor", "org_admin", "professional", "foreign_org_admin", "anonymous"]
# Routes that would end the shared sign-in; their input is plain and tested in tests/auth.
SIGNING_OUT = {("auth.logout", "POST")}


def _caller(expected: dict[str, int]) -> str:
    return next((role for role in ROLE_ORDER if expected[role] not in (403, 404)), ROLE_ORDER[0])


CASES = [(endpoint, method, _caller(expected)) for (endpoint, method), (_url, _data, expected) in MATRIX.items()
         if (endpoint, method) not in SIGNING_OUT]


@pytest.fixture(params=CASES, ids="-".join)
def route(request, access_world):
    """A client signed in as the case's role, inside an app context: (client, method, url, form data)."""
    endpoint, method, role = request.param
    app, emails, ids = access_world
    url, data = matrix_request(endpoint, method, ids)
    with app.app_context():
        client = app.test_client()
        if role != "anonymous":
            limiter.reset()
            assert client.post("/auth/login", data={"email": emails[role], "password": PASSWORD}).status_code == 302
        yield client, method, url, data


def test_odd_numbers_never_cause_a_server_error(route):
    client, method, url, data = route
    for odd in ODD_NUMBERS:
        named = {name: odd for name in NAMED_FIELDS}
        if method == "GET":
            sent = [(f"{url}?{urlencode(named)}", None)]
        else:
            # The named fields beside a valid form, then each of the form's own fields alone.
            sent = [(url, data | named)] + [(url, data | {name: odd}) for name in data]
        for address, form in sent:
            status = client.open(address, method=method, data=form).status_code
            assert status < 500, (method, address, form, status)


def test_a_nul_character_anywhere_is_refused_and_changes_nothing(route):
    client, method, url, data = route
    before = row_count()
    attempts = [(f"{url}?q=a%00b", data or None), (url.rstrip("/") + "/a%00b", data or None)]
    if method != "GET":
        attempts += [(url, data | {name: "a\x00b"}) for name in data or {"note": ""}]
    for address, form in attempts:
        status = client.open(address, method=method, data=form).status_code
        assert status == 400, (method, address, form, status)
    assert row_count() == before


def test_a_learning_set_slug_with_a_nul_character_is_a_400(client):
    response = client.get("/learning-sets/a%00b")
    assert response.status_code == 400
    assert "The request could not be understood" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["", "0", "-3", "abc", "²", HUGE, str(MAX_WHOLE_NUMBER + 1)])
def test_a_page_number_that_is_not_one_is_the_first_page(app, page):
    with app.test_request_context(f"/catalogue?page={page}"):
        assert requested_page() == 1
    with app.test_request_context("/catalogue?page=7"):
        assert requested_page() == 7


def test_whole_numbers_are_ascii_digits_within_the_database_range():
    assert whole_numbers(["1", "42", str(MAX_WHOLE_NUMBER), "²", "١٢", "-1", "1.0", " 3", HUGE, ""]) == [
        1, 42, MAX_WHOLE_NUMBER]
    assert optional_whole_number(None) is None
    assert optional_whole_number(str(MAX_WHOLE_NUMBER + 1)) is None


def test_a_request_over_the_size_limit_is_a_translated_413_that_changes_nothing(client, app):
    too_much = "a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    before = row_count()
    for path in ("/auth/register", "/auth/login"):
        response = client.post(path, data={"email": too_much}, headers={"Accept-Language": "sr"})
        assert response.status_code == 413
        assert "Poslali ste previše podataka. Skratite unos i pokušajte ponovo." in response.get_data(as_text=True)
    assert row_count() == before
