"""Post/redirect/get with domain errors shown on the form instead of an error page."""

from collections.abc import Callable
from typing import TypeVar, overload

from flask_wtf import FlaskForm

from learnhub.errors import DomainError, NotFound
from learnhub.extensions import db

T = TypeVar("T")


@overload
def run_form(form: FlaskForm, action: Callable[[], None]) -> bool | None: ...
@overload
def run_form(form: FlaskForm, action: Callable[[], T]) -> T | None: ...
def run_form(form: FlaskForm, action: Callable[[], object]) -> object:
    """Validate the form and run `action`; a rule it breaks becomes a message on the form, except
    NotFound, which shows the not-found page.

    Returns the action's result (True when it returns nothing), or None when the form was
    not sent, not valid, or refused.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = action()
        return True if result is None else result
    except NotFound:
        raise  # what the form acts on is gone (withdrawn, say): there is nothing to show the form for
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        form.error_status = error.status_code
        return None


def form_status(form: FlaskForm) -> int:
    """200 for a fresh form; the refusal's status (400 when fields are missing) for a sent one."""
    if not form.is_submitted():
        return 200
    return getattr(form, "error_status", 400)


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""
