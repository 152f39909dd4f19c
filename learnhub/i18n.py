"""Locale, script and time-zone selection, and transliteration between the Serbian scripts.

Serbian content and catalogues are written once, in Latin script; readers who choose
Cyrillic get an automatic transliteration that leaves URLs, e-mail addresses, code,
placeholders, markup and listed foreign words untouched. Names follow the reader's script
both ways: one entered in Cyrillic reads in Latin for everyone else.
"""

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from types import SimpleNamespace

import cyrtranslit
from babel import Locale, numbers
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from pytz import timezone as pytz_timezone

__all__ = ["_", "_l", "ngettext", "LANGUAGES", "select_locale", "select_timezone", "force_timezone", "to_reader_script",
           "cyrillic_to_latin"]

LANGUAGES: dict[str, str] = {
    "en": "English",
    "sr_Latn": "Srpski (latinica)",
    "sr_Cyrl": "Српски (ћирилица)",
    "bs": "Bosanski",
}
LANGUAGE_COOKIE = "lang"

# Browser language tags -> our locales. Plain "sr" means Latin: it is what providers type in.
_TAG_TO_LOCALE = {
    "en": "en",
    "sr": "sr_Latn",
    "sr-latn": "sr_Latn",
    "sr-cyrl": "sr_Cyrl",
    "bs": "bs",
    "hr": "bs",
    "sh": "sr_Latn",
}

# Words that stay in Latin script in Cyrillic text (brands, foreign terms, abbreviations).
TRANSLITERATION_EXCEPTIONS = frozenset(
    {"LearnHub", "LGBTI", "LGBT", "CPD", "PDF", "CSV", "XLSX", "ICS", "QR", "e-mail", "email",
     "online", "Trialogue", "Recovery", "Zoom", "Teams", "Google", "Outlook", "IMHCN", "GIZ", "PIN",
     "IAN", "JSON", "Open", "Badges", "htmx", "Online", "Markdown", "YAML", "UTF-8", "BOM", "iCalendar", "CalDAV",
     "Excel", "ZIP", "Jitsi"}
)
_PROTECTED = re.compile(
    r"(<[^>]*>"  # markup
    r"|&[#\w]+;"  # entities
    r"|https?://\S*|www\.\S+"  # URLs
    r"|\b[\w.-]+\.(?:md|yaml|ics|csv|json|zip|pdf|xlsx)\b"  # file names
    r"|\b[a-z]+_[A-Za-z_]+\b"  # identifiers such as sr_Latn
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|%\([\w]+\)[sdf]|%[sdf]|\{[\w.]*\}"  # format placeholders
    r"|`[^`]*`"  # inline code
    r"|\b(?:" + "|".join(re.escape(w) for w in sorted(TRANSLITERATION_EXCEPTIONS, key=len, reverse=True)) + r")\b)"
)


def latin_to_cyrillic(text: str) -> str:
    """Transliterate Serbian Latin to Cyrillic, keeping protected spans as they are."""
    parts = _PROTECTED.split(text)
    # re.split with one capturing group alternates: plain, protected, plain, ...
    return "".join(part if i % 2 else cyrtranslit.to_cyrillic(part, "sr") for i, part in enumerate(parts))


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_CAPITAL_DIGRAPH = re.compile(r"(Lj|Nj|Dž)(?=[A-ZČĆĐŠŽ])")  # "LJUBLJANA", not "LjUBLjANA"


def cyrillic_to_latin(text: str) -> str:
    """Transliterate Serbian Cyrillic to Latin, keeping protected spans as they are."""
    parts = _PROTECTED.split(text)
    latin = "".join(part if i % 2 else cyrtranslit.to_latin(part, "sr") for i, part in enumerate(parts))
    return _CAPITAL_DIGRAPH.sub(lambda match: match[1].upper(), latin)


def to_reader_script(text: str | None) -> str:
    """Authored text and names in the reader's script: Cyrillic readers get what was written in Latin
    transliterated, every other reader gets what was written in Cyrillic in Latin."""
    if not text:
        return ""
    if get_locale().script == "Cyrl":  # not str(locale): spelling it out is slow, and pages ask often
        convert = latin_to_cyrillic
    elif _CYRILLIC.search(text):
        convert = cyrillic_to_latin
    else:
        return text
    return Markup(convert(str(text))) if isinstance(text, Markup) else convert(text)


_CATALOGUES: dict = {}


def page_translations():
    """The catalogue of the language in force (force_locale included). Pages ask for it hundreds of
    times, so a locale Flask-Babel has already settled for this request (or forced) is read straight
    from its request state: get_locale() takes several context lookups to find it each time."""
    state = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(state, "babel_locale", None) or get_locale()
    catalogue = _CATALOGUES.get(locale)
    if catalogue is None:
        catalogue = _CATALOGUES[locale] = get_translations()
    return catalogue


# Flask-Babel's gettext, ngettext and lazy_gettext, with the catalogue found as above.
def _(string: str, **variables) -> str:
    text = page_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return page_translations().ungettext(singular, plural, num) % variables


def _l(string: str, **variables) -> LazyString:
    return LazyString(_, string, **variables)


# What templates call: Jinja's "newstyle" gettext and ngettext (escaped in HTML, always %-formatted), in
# one call each instead of Jinja's three nested context calls per string; most strings hold no % at all.
def _for_template(eval_context: EvalContext, text: str, variables: dict) -> str:
    if eval_context.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_eval_context
def _template_gettext(eval_context: EvalContext, string: str, **variables) -> str:
    return _for_template(eval_context, page_translations().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(eval_context: EvalContext, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _for_template(eval_context, page_translations().ungettext(singular, plural, num), variables)


def install_template_gettext(app) -> None:
    app.jinja_env.newstyle_gettext = True  # for {% trans %}, which calls gettext and ngettext too
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


def format_decimal(number: float | int, format: str | None = None) -> str:
    """Flask-Babel's format_decimal, remembered per language and value: report tables show hundreds of
    numbers, mostly the same few, and Babel takes tens of microseconds for each."""
    return _format_decimal(number, format, str(get_locale()))


@lru_cache(maxsize=4096)
def _format_decimal(number: float | int, format: str | None, locale: str) -> str:
    return numbers.format_decimal(number, format=format, locale=locale)


def locale_from_accept_language() -> str:
    for value, _quality in request.accept_languages:
        tag = value.lower().replace("_", "-")
        parts = tag.split("-")
        for candidate in (tag, "-".join(parts[:2]), parts[0]):
            if candidate in _TAG_TO_LOCALE:
                return _TAG_TO_LOCALE[candidate]
    return "en"


def select_locale() -> str:
    if not has_request_context():
        return "en"  # command-line work; mail picks the recipient's language itself
    if current_user and current_user.is_authenticated and current_user.preferred_language in LANGUAGES:
        return current_user.preferred_language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return locale_from_accept_language()


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated and current_user.time_zone:
        return current_user.time_zone
    return current_app.config["LEARNHUB_TIMEZONE"]


@contextmanager
def force_timezone(zone_name: str) -> Iterator[None]:
    """Times formatted inside read in `zone_name`, like force_locale for the language: a mail shows its
    recipient's zone. Flask-Babel keeps the zone it first computed on `g`, which one app context shares
    by every request context pushed inside it (a request's mail, a worker's batch), so it is set there."""
    state = g.setdefault("_flask_babel", SimpleNamespace())
    had_zone, zone = hasattr(state, "babel_tzinfo"), getattr(state, "babel_tzinfo", None)
    state.babel_tzinfo = pytz_timezone(zone_name)  # what Flask-Babel's formatters expect
    try:
        yield
    finally:
        if had_zone:
            state.babel_tzinfo = zone
        else:
            del state.babel_tzinfo


def derive_cyrillic_catalogue(latin_po: str, cyrillic_po: str) -> int:
    """Write the sr_Cyrl catalogue as the transliteration of sr_Latn; returns the message count."""
    from babel.messages.pofile import read_po, write_po

    with open(latin_po, "rb") as source:
        catalogue = read_po(source, locale="sr_Latn")
    catalogue.locale = "sr_Cyrl"
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.string, str):
            message.string = latin_to_cyrillic(message.string)
        elif message.string:  # plural forms
            message.string = tuple(latin_to_cyrillic(s) for s in message.string)
    with open(cyrillic_po, "wb") as target:
        write_po(target, catalogue, width=100)
    return len(catalogue)


if __name__ == "__main__":  # `python -m learnhub.i18n`: used by `make translations`
    import sys

    print(derive_cyrillic_catalogue(sys.argv[1], sys.argv[2]), "messages transliterated")


# The order of letters in the reader's alphabet (azbuka; abeceda, where č, ć, đ, š and ž are letters of their
# own), so long lists read as a person expects: "Čile" after "Crna Gora", "Ђибути" after "Данска".
_ALPHABETS = {
    "Cyrl": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "sr": "abcčćdđefghijklmnopqrsštuvwxyzž",
    "bs": "abcčćdđefghijklmnopqrsštuvwxyzž",
}


def alphabetical(text: str, locale: Locale | None = None) -> tuple:
    """A sort key in the reader's (or `locale`'s) alphabet. Letters the alphabet lacks ("å", "é") count as
    their plain form, and only break ties; spaces and digits come before letters, other scripts after."""
    locale = locale or get_locale()
    alphabet = _ALPHABETS.get("Cyrl" if locale.script == "Cyrl" else locale.language, "abcdefghijklmnopqrstuvwxyz")
    text = text.casefold()
    return tuple(_letter_rank(c, alphabet) for c in text), text


@cache
def _letter_ranks(alphabet: str) -> dict[str, int]:
    return {letter: i for i, letter in enumerate(alphabet)}


@lru_cache(maxsize=2048)
def _letter_rank(letter: str, alphabet: str) -> tuple[int, int | str]:
    ranks = _letter_ranks(alphabet)
    plain = "".join(c for c in unicodedata.normalize("NFKD", letter) if not unicodedata.combining(c))
    for form in (letter, plain):
        if form in ranks:
            return 1, ranks[form]
    return (0, letter) if not letter.isalpha() else (2, letter)


def folded(text: str) -> str:
    """Case, script and accents set aside, so "uzice", "Užice" and "Ужице" find the same name."""
    decomposed = unicodedata.normalize("NFKD", cyrtranslit.to_latin(text, "sr"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()
