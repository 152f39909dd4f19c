def test_every_page_names_a_favicon_that_exists(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'rel="icon"' in page
    with client.get("/favicon.ico", follow_redirects=True) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
