"""The calendar subscription page: copy the address, subscribe in one click, and a new address only on purpose."""

from learnhub.extensions import db
from learnhub.mentoring import feeds
from tests.factories import PASSWORD, UserFactory


def _signed_in(client, auth):
    user = UserFactory(email="mira@example.org")
    db.session.commit()
    auth.login("mira@example.org", PASSWORD)
    return user


def test_the_page_offers_a_copy_button_and_a_webcal_subscribe_link(client, auth):
    user = _signed_in(client, auth)
    page = client.get("/account/calendar").get_data(as_text=True)
    token = feeds.feed_token(user)
    assert f'href="webcal://localhost/calendar/{token}.ics"' in page
    assert 'data-copy="feed-url"' in page and "Copy address" in page
    assert 'src="/static/copy.js' in page


def test_a_new_address_is_a_secondary_link_that_asks_first_and_names_the_consequence(client, auth):
    user = _signed_in(client, auth)
    page = client.get("/account/calendar").get_data(as_text=True)
    main_page_forms = page.split('<main', 1)[1]
    assert 'method="post"' not in main_page_forms  # nothing on the page changes the address at once
    assert 'class="button secondary" href="/account/calendar?confirm=new-address"' in page
    old = feeds.feed_token(user)
    confirm = client.get("/account/calendar?confirm=new-address").get_data(as_text=True)
    assert "stops working" in confirm and "Make a new address" in confirm and 'method="post"' in confirm
    assert feeds.feed_token(user) == old  # asking changed nothing
    assert 'name="confirmed" value="1"' in confirm  # the confirmation's own form says it was confirmed
    assert client.post("/account/calendar").status_code == 200  # unconfirmed: asked again, nothing changed
    assert feeds.feed_token(user) == old
    assert client.post("/account/calendar", data={"confirmed": "1"}).status_code == 302
    assert feeds.feed_token(user) != old
