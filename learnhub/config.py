"""Configuration read from the environment, with defaults that are safe for a laptop."""

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-secret-change-me"


def sqlalchemy_url(url: str) -> str:
    """Plain postgresql:// URLs (as hosts hand them out) use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = os.environ.get("LEARNHUB_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = sqlalchemy_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'instance' / 'learnhub.sqlite'}")
    )
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    LEARNHUB_TIMEZONE = os.environ.get("LEARNHUB_TIMEZONE", "Europe/Belgrade")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")  # empty: print mail to the log (development)
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "LearnHub <no-reply@learnhub.example>")
    # Development sends queued mail at the end of each request; production runs the worker.
    MAIL_SEND_AFTER_REQUEST = os.environ.get("MAIL_SEND_AFTER_REQUEST", "1") == "1"
    MAIL_MAX_ATTEMPTS = 8

    # Minutes before a mentoring session that reminders go out (24 h and 1 h).
    REMINDER_LEAD_MINUTES = tuple(int(m) for m in os.environ.get("REMINDER_LEAD_MINUTES", "1440,60").split(","))

    # CPD: points required per licence period (periods of CPD_PERIOD_YEARS from CPD_PERIOD_FIRST_YEAR).
    CPD_REQUIRED_POINTS = int(os.environ.get("CPD_REQUIRED_POINTS", "120"))
    CPD_PERIOD_YEARS = int(os.environ.get("CPD_PERIOD_YEARS", "6"))
    CPD_PERIOD_FIRST_YEAR = int(os.environ.get("CPD_PERIOD_FIRST_YEAR", "2024"))
    INSTITUTE_NAME = os.environ.get("INSTITUTE_NAME", "Institute for Social Protection")

    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_SESSION_LIFETIME = timedelta(days=14)
    SIGNUP_TOKEN_MAX_AGE = int(timedelta(days=2).total_seconds())
    RESET_TOKEN_MAX_AGE = int(timedelta(hours=1).total_seconds())
    EMAIL_CHANGE_TOKEN_MAX_AGE = int(timedelta(days=1).total_seconds())
    INVITATION_LIFETIME = timedelta(days=14)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute; 100 per day")
    MAIL_RATE_LIMIT = os.environ.get("MAIL_RATE_LIMIT", "5 per minute; 30 per day")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PAGE_SIZE = 25


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast: the rules are under test, not the hash cost
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 0  # set per test to the aiosmtpd port
    MAIL_SEND_AFTER_REQUEST = True
    RATELIMIT_STORAGE_URI = "memory://"
    BASE_URL = "http://localhost"

    def __init__(self, database_url: str = "sqlite://", **overrides: object) -> None:
        self.SQLALCHEMY_DATABASE_URI = sqlalchemy_url(database_url)
        for key, value in overrides.items():
            setattr(self, key, value)
