from flask_babel import refresh

from learnhub.errors import InvalidInput
from learnhub.extensions import db
from learnhub.i18n import LANGUAGES, _


def set_language(user, language: str) -> str:
    """Remember the chosen language on the account (when signed in); the caller sets the cookie too."""
    if language not in LANGUAGES:
        raise InvalidInput(_("Please choose one of the offered languages."))
    if user.is_authenticated:
        user.preferred_language = language
        db.session.flush()
        refresh()  # the rest of this request speaks the new language
    return language
