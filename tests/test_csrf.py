import re
from collections import defaultdict

import pytest

from tests.access_matrix import MATRIX
from tests.factories import UserFactory

POST_ROUTES = sorted((endpoint, url) for (endpoint, method), (url, _data, _expected) in MATRIX.items()
                     if method == "POST")


@pytest.fixture
def csrf_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app.test_client()


@pytest.mark.parametrize("endpoint, url", POST_ROUTES)
def test_post_without_csrf_token_is_refused(csrf_client, endpoint, url):
    path = url.format_map(defaultdict(lambda: "1"))
    response = csrf_client.post(path, data={"email": "x@example.org"})
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)


def test_forged_token_is_refused_and_the_real_one_accepted(csrf_client):
    UserFactory(email="mira@example.org")
    data = {"email": "mira@example.org", "password": "correct horse battery staple"}
    assert csrf_client.post("/auth/login", data={**data, "csrf_token": "forged"}).status_code == 400
    page = csrf_client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert csrf_client.post("/auth/login", data={**data, "csrf_token": token}).status_code == 302
