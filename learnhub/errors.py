"""Domain errors and the one place that turns errors into translated pages.

Services raise a DomainError subclass with a translated message; handlers here pick
the status code and render a full page, or a fragment for htmx requests.
"""

from collections.abc import Sequence
from typing import TypeVar

from flask import Flask, current_app, jsonify, make_response, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from learnhub.extensions import db, login_manager
from learnhub.i18n import _

T = TypeVar("T")


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    status_code = 400


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


def _default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood. Please check what you entered and try again."),
        403: _("You do not have permission to do that."),
        404: _("We could not find that page."),
        405: _("That action is not available here."),
        409: _("That could not be done because something changed in the meantime."),
        413: _("What you sent is too large. Please shorten it and try again."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("LearnHub is briefly unavailable. Please try again in a minute."),
    }
    return messages.get(status, messages[500])


def render_error(status: int, message: str | None = None):
    message = message or _default_message(status)
    if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), status
    if request.headers.get("HX-Request"):
        return render_template("errors/_message.html", message=message, status=status), status
    return render_template("errors/error.html", message=message, status=status), status


# The database cannot be reached (restart, failover, network) or the connection pool is exhausted.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def register_error_handlers(app: Flask) -> None:
    def handle_database_unavailable(error: sa_exc.SQLAlchemyError):
        current_app.logger.warning("Database unavailable: %s", str(error).splitlines()[0])
        try:
            db.session.rollback()
        except sa_exc.SQLAlchemyError:
            pass  # the connection is gone; the pool replaces it on the next request
        # The page must not touch the database again: show it as to a visitor who is not signed in.
        login_manager._update_request_context_with_user()
        response = make_response(render_error(503))
        response.headers["Retry-After"] = "30"
        return response

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, handle_database_unavailable)

    @app.errorhandler(sa_exc.IntegrityError)
    def handle_refused_write(error: sa_exc.IntegrityError):
        # The services check input first; what still reaches a constraint is a race (a row removed or
        # taken between the form and the save). Nothing is saved. The first line names the rule, not values.
        current_app.logger.warning("Write refused by the database: %s", str(error.orig).splitlines()[0])
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        # CSRF failures carry English text from flask-wtf; show our own translated one.
        if status == 400 and error.__class__.__name__ == "CSRFError":
            return render_error(400, _("Your form expired. Please go back, reload the page and try again."))
        return render_error(status)


def get_or_404(model: type[T], ident: object, message: str, options: Sequence | None = None) -> T:
    """The row with this primary key (loaded with `options`), or a NotFound carrying a translated message."""
    row = db.session.get(model, ident, options=options)
    if row is None:
        raise NotFound(message)
    return row
