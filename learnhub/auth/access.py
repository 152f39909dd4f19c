"""Signing in: who a session cookie belongs to. Who may use a route by role is `people.access`."""

from learnhub.auth.services import user_for_session_token
from learnhub.extensions import login_manager
from learnhub.i18n import _l

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see that page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_token: str):
    return user_for_session_token(session_token)
