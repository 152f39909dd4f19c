from flask_babel import force_locale, gettext
from markupsafe import escape


def translated(locale: str, message: str, **variables) -> str:
    """The message as a reader in `locale` sees it in HTML; fails if it was left in English."""
    with force_locale(locale):
        text = gettext(message, **variables)
    english = message % variables if variables else message
    assert locale == "en" or text != english, f"not translated to {locale}: {message}"
    return str(escape(text))
