"""A live LearnHub server in a thread and Debian's chromium driven by Playwright."""

import os
import shutil
import threading

import pytest
from flask_babel import force_locale, gettext
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(make_app):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (make test does it as root)")
    app = make_app(WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links in pages and mail lead here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def log_in(page, base_url: str, email: str, password: str | None = None) -> None:
    """Sign in through the login form, as a person would (with the factories' password unless given)."""
    from tests.factories import PASSWORD

    page.goto(f"{base_url}/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/dashboard")


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
        yield context.new_page()
        context.close()
        browser.close()


SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, for a person to look at


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def t(language: str, message: str, **variables) -> str:
    """What the page says in `language`."""
    with force_locale(language):
        return gettext(message, **variables)
