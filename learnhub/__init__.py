"""LearnHub: training, mentoring and certification for social-protection and mental-health providers."""

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from learnhub.config import DEFAULT_SECRET_KEY, PROJECT_ROOT, Config
from learnhub.extensions import babel, csrf, db, limiter, login_manager, migrate
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


def create_app(config: object | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_object(config or Config())
    if app.config["ENV_NAME"] == "production":
        if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
            raise RuntimeError("Refusing to start in production with the default SECRET_KEY; set SECRET_KEY.")
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)

    from learnhub.cli import register_commands
    from learnhub.errors import register_error_handlers

    register_error_handlers(app)
    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    import learnhub.models  # noqa: F401  (every table, for queries and migrations)
    from learnhub.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(PROJECT_ROOT / "learnhub" / "translations"),
    )
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    import learnhub.auth.access  # noqa: F401  (registers the user loader)
    from learnhub.audit.routes import bp as audit_bp
    from learnhub.auth.routes import bp as auth_bp
    from learnhub.certification.routes import bp as certification_bp
    from learnhub.courses.routes import bp as courses_bp
    from learnhub.curriculum.routes import bp as curriculum_bp
    from learnhub.main.routes import bp as main_bp
    from learnhub.mentoring.routes import bp as mentoring_bp
    from learnhub.people.routes import bp as people_bp
    from learnhub.privacy.routes import bp as privacy_bp
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
    from learnhub.i18n import LANGUAGES, to_reader_script
    from learnhub.mail.services import send_pending

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["script"] = to_reader_script
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, format_date=format_date, format_datetime=format_datetime,
        format_decimal=format_decimal, now_utc=utcnow
    )

    @app.context_processor
    def locale_context() -> dict:
        locale = get_locale()
        return {"current_locale": str(locale), "html_lang": locale.language + ("-" + locale.script if locale.script else "")}

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
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
            send_pending()
        return response
