"""Who may use a route: declared with one decorator per route, checked in one place."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from learnhub.people.models import Role


def roles_required(*roles: Role) -> Callable:
    """Signed-in users holding any of `roles`; others get 403 (anonymous users go to log in)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapper

    return decorator
