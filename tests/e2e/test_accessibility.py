"""Accessibility of every page each kind of user reaches, checked in Chromium on a 360 px phone.

On the demo data (`make run`), each demo account (and a visitor who is not signed in) follows every link
it is offered, one page per route. On each page axe-core (WCAG 2.1 A and AA, and its best practices)
finds nothing, and nothing makes the page wider than the phone: wide tables scroll in a box of their own.
"""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.exceptions import HTTPException

from learnhub.config import PROJECT_ROOT
from learnhub.demo import ACCOUNTS, DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360
# Downloads, feeds and signing out are not pages to check.
NOT_A_PAGE = re.compile(r"/auth/logout|\.(ics|pdf|csv|xlsx|json|zip|jwt)$|/static/|/export|/issuer$")


@pytest.fixture
def demo(database_url, live_server):
    if not database_url.startswith("sqlite"):
        pytest.skip("pages are marked up alike on every database: checked once, on SQLite")
    app, base_url = live_server
    runner = app.test_cli_runner()
    for args in (["curriculum", "import", str(PROJECT_ROOT / "curriculum")], ["seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    return app, base_url


def _problems(page, path: str) -> list[str]:
    found = [f"{path}: {violation['id']} ({violation['help']}) at {node['html'][:200]}"
             for violation in Axe().run(page).response["violations"] for node in violation["nodes"][:3]]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE_WIDTH:
        found.append(f"{path}: {width} px wide on a {PHONE_WIDTH} px phone")
    return found


def _crawl(page, app, base_url: str, start: str) -> tuple[set[str], list[str]]:
    """Every route reachable by links from `start`, once each; returns the routes and what axe found."""
    urls = app.url_map.bind("127.0.0.1")
    seen: set[str] = set()
    problems: list[str] = []
    queue = deque([start])
    while queue:
        path = queue.popleft()
        try:
            endpoint, _values = urls.match(urlsplit(path).path)
        except HTTPException:
            continue
        if endpoint in seen:
            continue
        seen.add(endpoint)
        response = page.goto(base_url + path)
        if response.status != 200 or not response.headers["content-type"].startswith("text/html"):
            continue
        problems += _problems(page, path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)"):
            if href.startswith(base_url) and not NOT_A_PAGE.search(urlsplit(href).path):
                queue.append(href.removeprefix(base_url).split("#")[0])
    return seen, problems


# One account of each kind: institute admin, trainer, mentor, organisation admin (in Cyrillic), professional.
KINDS_OF_USER = [email for email, *_rest in ACCOUNTS][:5]


@pytest.mark.parametrize("email", KINDS_OF_USER)
def test_every_page_a_demo_account_reaches_passes_axe_on_a_phone(demo, page, email):
    app, base_url = demo
    log_in(page, base_url, email, DEMO_PASSWORD)
    routes, problems = _crawl(page, app, base_url, "/dashboard")
    assert len(routes) >= 10  # the crawl really went round the signed-in pages
    assert not problems, "\n".join(problems)


def test_public_pages_a_form_with_errors_and_the_error_page_pass_axe_on_a_phone(demo, page):
    app, base_url = demo
    routes, problems = _crawl(page, app, base_url, "/")
    assert {"courses.catalogue", "auth.login", "auth.register"} <= routes
    page.goto(f"{base_url}/auth/register")
    page.get_by_role("button", name="Send me the link").click()
    # A field in error names its message, so screen readers read it out with the field.
    described_by = page.locator(".has-error [aria-invalid=true]").first.get_attribute("aria-describedby")
    assert page.locator(f"#{described_by.split()[-1]}").inner_text().strip()
    problems += _problems(page, "/auth/register (sent empty)")
    assert page.goto(f"{base_url}/no-such-page").status == 404
    problems += _problems(page, "/no-such-page")
    assert not problems, "\n".join(problems)


def test_taking_attendance_by_keyboard_keeps_the_focus_on_the_row(demo, page):
    """The toggle is replaced by the server's answer; focus stays on it, so the trainer goes on with Tab."""
    _app, base_url = demo
    log_in(page, base_url, "trainer@learnhub.example", DEMO_PASSWORD)
    page.goto(f"{base_url}/trainer/cohorts")
    page.get_by_role("link", name="Vranje i Bela Palanka").click()  # the demo cohort that has met
    page.get_by_role("link", name="Attendance", exact=True).first.click()
    first = page.locator("button.toggle").first
    before = first.inner_text()
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("text => document.querySelector('button.toggle').innerText !== text", arg=before)
    assert page.evaluate("document.activeElement === document.querySelector('button.toggle')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement === document.querySelectorAll('button.toggle')[1]")
