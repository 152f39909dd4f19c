from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_datetime

from learnhub.i18n import LANGUAGES, latin_to_cyrillic
from tests.factories import UserFactory
from tests.i18n import translated

TRANSLATIONS = Path(__file__).resolve().parent.parent / "learnhub" / "translations"


def _catalogue(path: Path):
    with path.open("rb") as po:
        return read_po(po)


def _ids(path: Path) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(path) if m.id}


@pytest.mark.parametrize("locale", ["sr_Latn", "sr_Cyrl", "bs"])
def test_catalogue_is_complete_with_nothing_fuzzy(locale):
    catalogue = _catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    missing = [m.id for m in _catalogue(TRANSLATIONS / "messages.pot") if m.id and m.id not in catalogue]
    untranslated = [m.id for m in catalogue if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else [m.string]))]
    assert missing == [] and untranslated == []


def test_catalogue_template_lists_every_string_in_the_code():
    """`make translations` was run after the last change to user-facing text."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([Path(sys.executable).parent / "pybabel", "-q", "extract", "--no-location", "--sort-by-file",
                        "-F", "learnhub/babel.cfg", "-k", "_l", "-k", "ngettext:1,2", "-o", f"{tmp}/now.pot", "."],
                       check=True, cwd=TRANSLATIONS.parent.parent)
        now = _ids(Path(tmp) / "now.pot")
    assert now - _ids(TRANSLATIONS / "messages.pot") == set(), "run `make translations` and translate the new strings"


def test_cyrillic_catalogue_is_the_transliteration_of_latin():
    latin = {m.id: m.string for m in _catalogue(TRANSLATIONS / "sr_Latn/LC_MESSAGES/messages.po") if m.id}
    cyrillic = {m.id: m.string for m in _catalogue(TRANSLATIONS / "sr_Cyrl/LC_MESSAGES/messages.po") if m.id}
    for message_id, text in latin.items():
        expected = tuple(map(latin_to_cyrillic, text)) if isinstance(text, tuple) else latin_to_cyrillic(text)
        assert cyrillic[message_id] == expected


@pytest.mark.parametrize("text, expected", [
    ("Ljiljana i Njegoš džepom", "Љиљана и Његош џепом"),
    ("Pišite na info@ian.rs ili https://learnhub.example/verify", "Пишите на info@ian.rs или https://learnhub.example/verify"),
    ("Zdravo, %(name)s! Imate {count} poruka.", "Здраво, %(name)s! Имате {count} порука."),
    ("Obuka o LGBTI podršci u <strong>Užicu</strong>", "Обука о LGBTI подршци у <strong>Ужицу</strong>"),
    ("Kod `flask db upgrade` radi", "Код `flask db upgrade` ради"),
])
def test_transliteration_keeps_addresses_placeholders_markup_and_exceptions(text, expected):
    assert latin_to_cyrillic(text) == expected


@pytest.mark.parametrize("header, locale", [
    ("sr-Latn-RS,sr;q=0.9", "sr_Latn"), ("sr-Cyrl", "sr_Cyrl"), ("sr", "sr_Latn"), ("bs-BA,bs;q=0.8", "bs"),
    ("hr", "bs"), ("de-DE,en;q=0.5", "en"), ("fr", "en"),
])
def test_accept_language_picks_the_default(client, header, locale):
    html = client.get("/auth/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'value="{locale}" lang="{locale.replace("_", "-")}" selected' in html


def test_language_choice_is_remembered_in_a_cookie_for_visitors(client):
    response = client.post("/language", data={"language": "sr_Cyrl", "next": "/auth/login"})
    assert response.status_code == 302 and response.location == "/auth/login"
    html = client.get("/auth/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert translated("sr_Cyrl", "Log in") in html


def test_language_choice_is_saved_on_the_account(client, auth):
    user = UserFactory(email="mira@example.org")
    auth.login("mira@example.org")
    client.post("/language", data={"language": "bs", "next": "/dashboard"})
    assert user.preferred_language == "bs"
    client.delete_cookie("lang")
    assert translated("bs", "Your organisations") in client.get("/dashboard").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    response = client.post("/language", data={"language": "xx"})
    assert response.status_code == 400
    assert client.get_cookie("lang") is None


def test_redirect_after_language_change_stays_on_this_site(client):
    assert client.post("/language", data={"language": "bs", "next": "//evil.example"}).location == "/"


def test_dates_are_shown_per_locale_in_the_user_time_zone(app):
    moment = datetime(2026, 3, 29, 0, 30)  # UTC; 01:30 in Belgrade (CET, before the DST switch at 02:00)
    with app.test_request_context():
        with force_locale("sr_Latn"):
            serbian = format_datetime(moment, "d. MMMM y. HH:mm")
        with force_locale("en"):
            english = format_datetime(moment, "MMMM d, y HH:mm")
    assert serbian == "29. mart 2026. 01:30"
    assert english == "March 29, 2026 01:30"


def test_names_are_transliterated_for_cyrillic_readers(client, auth):
    UserFactory(email="mira@example.org", display_name="Ljiljana Đukić", preferred_language="sr_Cyrl")
    auth.login("mira@example.org")
    assert "Љиљана Ђукић" in client.get("/dashboard").get_data(as_text=True)


def test_every_offered_language_renders_the_start_page(client):
    for code in LANGUAGES:
        client.post("/language", data={"language": code})
        assert client.get("/").status_code == 200


def test_remembered_numbers_and_strings_follow_the_language_in_force(app):
    from learnhub.i18n import _, format_decimal, ngettext

    with app.test_request_context("/"):
        assert (format_decimal(1234.5), _("Next")) == ("1,234.5", "Next")
        with force_locale("sr_Latn"):
            assert (format_decimal(1234.5), _("Next")) == ("1.234,5", "Sledeća")
            assert ngettext("%(num)d response", "%(num)d responses", 3) == "3 odgovora"
        assert (format_decimal(1234.5), _("Next")) == ("1,234.5", "Next")


def test_templates_translate_escape_and_format_as_jinja_newstyle_gettext_does(app):
    html = app.jinja_env.from_string(
        "{{ _('Next') }}|{{ _('%(name)s: %(status)s', name='<b>Ana</b>', status='ok') }}|{{ _('100%% sure') }}|"
        "{{ ngettext('%(num)s learning set', '%(num)s learning sets', 3) }}")
    text = app.jinja_env.from_string("{% autoescape false %}{{ _('%(name)s: %(status)s', name='<b>', status='x') }}"
                                     "{% endautoescape %}")
    with app.test_request_context("/"):
        assert html.render() == "Next|&lt;b&gt;Ana&lt;/b&gt;: ok|100% sure|3 learning sets"
        with force_locale("sr_Latn"):
            assert html.render() == "Sledeća|&lt;b&gt;Ana&lt;/b&gt;: ok|100% sure|3 seta za učenje"
            assert text.render() == "<b>: x"  # plain-text mail is not escaped
        assert html.render().startswith("Next|")  # the forced language ends with its block
