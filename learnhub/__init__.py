"""LearnHub: training, mentoring and certification for social-protection and mental-health providers."""

import hashlib
from functools import cache
from itertools import chain
from pathlib import Path

from flask import Flask, abort, g, has_app_context, request
from flask_babel import get_locale, get_timezone
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import safe_join

from learnhub.config import DEFAULT_SECRET_KEY, PROJECT_ROOT, Config
from learnhub.extensions import babel, csrf, db, limiter, login_manager
from learnhub.extensions import cache as data_cache  # functools.cache is used here too
from learnhub.navigation import DatabaseIdConverter
from learnhub.timeutil import utcnow

SECURITY_HEADERS = {
    # No inline scripts or styles anywhere: htmx and CSS come from /static.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(config: object | None = None, *, migrations: bool = True) -> Flask:
    """The app. gunicorn's workers ask for it without `migrations` (deploy/gunicorn.conf.py): Alembic, which
    only `flask db` needs, weighs some 11 MB in every process that loads it."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_object(config or Config())
    if app.config["ENV_NAME"] == "production":
        if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
            raise RuntimeError("Refusing to start in production with the default SECRET_KEY; set SECRET_KEY.")
        if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            # Each gunicorn worker would count alone: the installation would allow every limit once per worker.
            raise RuntimeError("Refusing to start in production with rate limits counted in each process "
                               "(RATELIMIT_STORAGE_URI=memory://); set RATELIMIT_STORAGE_URI=redis://host:6379/0 "
                               "so every worker and instance shares one count.")
        from learnhub.certification.keys import production_key_problem

        if problem := production_key_problem(Path(app.config["CREDENTIAL_KEYS_DIR"])):
            raise RuntimeError(f"Refusing to start in production: {problem} (CREDENTIAL_KEYS_DIR).")
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    if proxies := app.config.get("TRUSTED_PROXY_COUNT", 0):
        # Behind reverse proxies the client's address and scheme come from the headers they add.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # as Flask documents

    app.url_map.converters["int"] = DatabaseIdConverter
    _init_extensions(app, migrations)
    from learnhub.observability import init_observability

    init_observability(app)  # before the other hooks, so its log line times and counts their work too
    _register_blueprints(app)
    if app.config["BENCH_MODE"]:
        _register_bench_routes(app)
    _register_hooks(app)

    from learnhub.cli import register_commands
    from learnhub.errors import register_error_handlers

    register_error_handlers(app)
    register_commands(app)
    return app


def _register_bench_routes(app: Flask) -> None:
    """Only with LEARNHUB_BENCH=1 (`make bench`): login is measured against its own password check alone."""
    from learnhub.auth.passwords import verify_password

    @csrf.exempt
    def bench_argon2():
        # The hash comes with the request, so nothing but the check itself is done.
        is_valid = verify_password(request.form.get("hash", ""), request.form.get("password", ""))
        return ("valid", 200) if is_valid else ("invalid", 403)

    app.add_url_rule("/bench/argon2", "bench_argon2", bench_argon2, methods=["POST"])


def _init_extensions(app: Flask, migrations: bool) -> None:
    import learnhub.models  # noqa: F401  (every table, for queries and migrations)
    from learnhub.i18n import install_template_gettext, select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        engine = db.engine
    _enforce_references_on_sqlite(engine)
    _reads_without_transactions(app, engine)
    if migrations:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(PROJECT_ROOT / "learnhub" / "translations"),
    )
    install_template_gettext(app)

    @app.before_request
    def settle_reader_settings() -> None:
        # A POST commits and then says what it did: with the reader's language and time zone settled
        # before the commit expires the user, saying it does not reload the user's row.
        if request.method not in ("GET", "HEAD"):
            get_locale(), get_timezone()

    limiter.init_app(app)
    data_cache.init_app(app)


def _enforce_references_on_sqlite(engine: Engine) -> None:
    """SQLite checks foreign keys only on connections that ask for it. Without this, a reference to a row
    that does not exist was stored where PostgreSQL refuses it (migrations turn it off while they run)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def enforce_foreign_keys(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")


def _reads_without_transactions(app: Flask, engine: Engine) -> None:
    """GET and HEAD requests run their statements without BEGIN and ROLLBACK around them on PostgreSQL.

    They change nothing (tests/security checks every GET route), and under READ COMMITTED each statement
    sees its own snapshot inside a transaction too: the same answers, two round trips fewer per page.
    The choice is made when the request starts (in `g`), so a request context that mail or calendar
    rendering opens inside a POST never turns the POST's writes into autocommitted ones.
    """
    if engine.dialect.name != "postgresql":
        return

    @app.before_request
    def mark_reads_only() -> None:
        g.reads_only = request.method in ("GET", "HEAD")

    @event.listens_for(engine, "checkout")
    def read_without_transaction(dbapi_connection, _record, _proxy) -> None:
        if has_app_context() and g.get("reads_only"):
            dbapi_connection.autocommit = True

    @event.listens_for(engine, "checkin")
    def back_to_transactions(dbapi_connection, _record) -> None:
        if dbapi_connection is not None and dbapi_connection.autocommit and not dbapi_connection.closed:
            dbapi_connection.autocommit = False


def _register_blueprints(app: Flask) -> None:
    import learnhub.auth.access  # noqa: F401  (registers the user loader)
    import learnhub.mentoring.booking_routes  # noqa: F401  (its pages join the mentoring blueprint)
    from learnhub.auth.people_routes import bp as people_bp
    from learnhub.auth.routes import bp as auth_bp
    from learnhub.certification.routes import bp as certification_bp
    from learnhub.courses.curriculum_routes import bp as curriculum_bp
    from learnhub.courses.routes import bp as courses_bp
    from learnhub.main.routes import bp as main_bp
    from learnhub.mentoring.routes import bp as mentoring_bp
    from learnhub.privacy.routes import bp as privacy_bp
    from learnhub.reports.audit_routes import bp as audit_bp
    from learnhub.reports.routes import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(curriculum_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(mentoring_bp)
    app.register_blueprint(certification_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(privacy_bp)


def _register_hooks(app: Flask) -> None:
    from learnhub import dates
    from learnhub.curriculum.models import pick_language
    from learnhub.i18n import LANGUAGES, format_decimal, to_reader_script
    from learnhub.mail.services import send_pending
    from learnhub.zones import zone_label, zone_place

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["script"] = to_reader_script
    app.jinja_env.filters["pick_language"] = pick_language
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, format_decimal=format_decimal, now_utc=utcnow, zone_label=zone_label, zone_place=zone_place,
        **{name: getattr(dates, name) for name in dates.__all__},
    )

    @app.context_processor
    def locale_context() -> dict:
        locale = get_locale()
        return {"current_locale": str(locale), "html_lang": locale.language + ("-" + locale.script if locale.script else "")}

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        # Static files are cached for a year (SEND_FILE_MAX_AGE_DEFAULT): a new file gets a new URL.
        if endpoint == "static" and app.static_folder and "filename" in values and "v" not in values:
            if version := static_file_version(app.static_folder, values["filename"]):
                values["v"] = version

    @app.before_request
    def refuse_nul_characters() -> None:
        # No browser sends a NUL character and PostgreSQL text cannot hold one: such a request gets a
        # 400 here rather than a database error wherever the value would first reach a query.
        fields = chain(request.args.items(multi=True), request.form.items(multi=True))
        if "\x00" in request.path or any("\x00" in name or "\x00" in value for name, value in fields):
            abort(400)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            # Pages are personal and carry form tokens: neither browsers nor proxies keep a copy.
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["ENV_NAME"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.after_request
    def send_queued_mail(response):
        # Development and tests deliver at once; production leaves it to `flask worker`.
        if app.config["MAIL_SEND_AFTER_REQUEST"] and request.method != "GET":
            # Give the request's connection back first: sending uses its own, and holding both
            # under load would exhaust the pool.
            db.session.close()
            try:
                send_pending()
            except SQLAlchemyError as error:  # database down: the mail stays queued for the worker
                app.logger.warning("Queued mail not sent: %s", str(error).splitlines()[0])
        return response


def static_file_version(folder: str, filename: str) -> str:
    """A short hash of a static file's content, recomputed when the file changes; "" if there is none."""
    path = safe_join(folder, filename)
    if path is None or not Path(path).is_file():
        return ""
    stat = Path(path).stat()
    return _file_digest(path, stat.st_mtime_ns, stat.st_size)


@cache
def _file_digest(path: str, _mtime_ns: int, _size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
