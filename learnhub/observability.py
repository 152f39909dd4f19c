"""One structured log line per request (id, user, status, duration, SQL queries) and the bench headers.

Every response carries `X-Request-ID`; in debug and bench mode also `X-Query-Count`, which the
benchmarks (bench/) read to check that pages run the same number of queries at every data size.
"""

import json
import logging
import os
import re
import time
import uuid
from typing import TextIO, cast

from flask import Flask, current_app, g, has_request_context, request, request_started
from flask.logging import wsgi_errors_stream
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.exc import SQLAlchemyError

from learnhub.extensions import db

logger = logging.getLogger("learnhub.request")

# A caller's id is kept only if it cannot smuggle anything into a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# URL parts that are bearer secrets (calendar feeds, e-mailed links, certificate codes): the log
# shows the route's pattern instead of the path.
SECRET_URL_ARGUMENTS = frozenset({"token", "code"})


def init_observability(app: Flask) -> None:
    app.config.setdefault("BENCH_MODE", os.environ.get("LEARNHUB_BENCH", "") == "1")
    _configure_logger()
    if app.config.get("ENV_NAME") == "development":
        _quiet_development_server()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_query)
    # The signal comes before every before_request hook, so CSRF and rate-limit refusals are logged too.
    request_started.connect(_start_request, app)
    app.after_request(_finish_request)
    if app.config["BENCH_MODE"]:
        # The ceiling for the benchmarks: the same app and hooks, no work of its own.
        app.add_url_rule("/bench/hello", "bench_hello", lambda: "Hello")


def _configure_logger() -> None:
    if logger.handlers:  # configured already (by an earlier app, or by the deployment)
        return
    # wsgi_errors_stream resolves per request (the server's error log), so the lines are pure JSON. It is a
    # proxy to the stream, which its type does not say.
    handler = logging.StreamHandler(cast(TextIO, wsgi_errors_stream))
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # not again through Flask's own handler in another format


# The development server's access line ('127.0.0.1 - - [date] "GET / HTTP/1.1" 200 -'): ours says it already.
_ACCESS_LINE = re.compile(r'^\S+ - - \[[^\]]*\] "')


def _not_an_access_line(record: logging.LogRecord) -> bool:
    return not _ACCESS_LINE.match(record.getMessage())


def _quiet_development_server() -> None:
    """In development one line per request: the app's own, not werkzeug's as well (its start-up lines stay)."""
    werkzeug = logging.getLogger("werkzeug")
    if _not_an_access_line not in werkzeug.filters:
        werkzeug.addFilter(_not_an_access_line)


def _count_query(*_args) -> None:
    if has_request_context() and "query_count" in g:
        g.query_count += 1


def _start_request(_app: Flask, **_extra) -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.query_count = 0


def _finish_request(response):
    response.headers["X-Request-ID"] = g.request_id
    if current_app.debug or current_app.config["BENCH_MODE"]:
        response.headers["X-Query-Count"] = str(g.query_count)
    fields = {
        "request_id": g.request_id,
        "method": request.method,
        "path": _loggable_path(),
        "user_id": _user_id(),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        "queries": g.query_count,
    }
    if current_app.config.get("ENV_NAME") == "development":
        logger.info(_readable_line(fields))
    else:
        logger.info(json.dumps(fields, ensure_ascii=False))
    return response


def _readable_line(fields: dict) -> str:
    """For a person watching `make run`: 'GET /dashboard 200 12.5 ms 9 queries user 3'."""
    user = f" user {fields['user_id']}" if fields["user_id"] is not None else ""
    return (f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']} ms "
            f"{fields['queries']} queries{user}")


def _loggable_path() -> str:
    rule = request.url_rule
    if rule is not None and SECRET_URL_ARGUMENTS & rule.arguments:
        return rule.rule
    return request.path  # never the query string: it may carry tokens


def _user_id() -> int | None:
    # The identity survives commit and session close, so reading it never runs a query
    # (current_user.get_id() is the session token, which must not be logged).
    try:
        user = current_user._get_current_object()
    except SQLAlchemyError:  # not loaded yet and the database is down: the log line must not fail the response
        db.session.rollback()
        return None
    state = inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None
