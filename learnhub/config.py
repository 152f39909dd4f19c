"""Configuration read from the environment, with defaults that are safe for a laptop."""

import os
import tempfile
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


def engine_options(url: str) -> dict:
    """Connection pool settings: on PostgreSQL, test each pooled connection before use, so the first
    request after a database restart reconnects instead of failing, and give up connecting after 10 s."""
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}
    return {}


def ratelimit_storage_options(uri: str) -> dict:
    # A slow or stopped Redis must not hold requests up: time out fast and count in memory meanwhile.
    if uri.startswith(("redis://", "rediss://", "redis+")):
        return {"socket_connect_timeout": 1, "socket_timeout": 1}
    return {}


class Config:
    ENV_NAME = os.environ.get("LEARNHUB_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = sqlalchemy_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'instance' / 'learnhub.sqlite'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # How many reverse proxies in front of the app append X-Forwarded-For and set X-Forwarded-Proto
    # (0: none, the app is reached directly). Only trust as many as there really are.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    # Files under /static are cached for a year; their URLs carry a content hash (?v=…) that changes with them.
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=365)
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
    # Each `mail send-pending` run (and worker round) sends until the queue is empty or this many
    # seconds have passed; the rest goes out in the next one (the worker starts it at once).
    MAIL_SEND_SECONDS = float(os.environ.get("MAIL_SEND_SECONDS", "50"))

    # Answers to group-session invitations from mail clients: invitations name reply+<key>@… of this
    # address as their organiser, and `mail receive` (and the worker) reads the mailbox over IMAP.
    MAIL_REPLY_ADDRESS = os.environ.get("MAIL_REPLY_ADDRESS", "")  # empty: answers only in LearnHub
    IMAP_HOST = os.environ.get("IMAP_HOST", "")
    IMAP_PORT = int(os.environ.get("IMAP_PORT", "993"))
    IMAP_USERNAME = os.environ.get("IMAP_USERNAME", "")
    IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
    IMAP_USE_SSL = os.environ.get("IMAP_USE_SSL", "1") == "1"
    IMAP_MAILBOX = os.environ.get("IMAP_MAILBOX", "INBOX")
    IMAP_TIMEOUT_SECONDS = 30

    # Mentors' own calendars (ICS or CalDAV) that block their free slots: the worker reads each one this
    # often; each read may take this long and this many bytes.
    BUSY_CALENDAR_REFRESH_MINUTES = int(os.environ.get("BUSY_CALENDAR_REFRESH_MINUTES", "30"))
    BUSY_CALENDAR_TIMEOUT_SECONDS = float(os.environ.get("BUSY_CALENDAR_TIMEOUT_SECONDS", "10"))
    BUSY_CALENDAR_MAX_BYTES = int(os.environ.get("BUSY_CALENDAR_MAX_BYTES", str(5 * 1024 * 1024)))

    # Online sessions in a video room of their own: this service's address, to which each session adds an
    # unguessable room name (Jitsi Meet takes any name as a room). Empty: mentors give their own link or place.
    VIDEO_ROOM_BASE_URL = os.environ.get("VIDEO_ROOM_BASE_URL", "https://meet.jit.si/")

    # Minutes before a mentoring or cohort session that reminders go out (24 h and 1 h; only the nearest one due).
    REMINDER_LEAD_MINUTES = tuple(int(m) for m in os.environ.get("REMINDER_LEAD_MINUTES", "1440,60").split(","))

    # Calendar feeds hold the sessions of this many days back and everything ahead.
    CALENDAR_FEED_PAST_DAYS = int(os.environ.get("CALENDAR_FEED_PAST_DAYS", "365"))

    # CPD: points required per licence period (periods of CPD_PERIOD_YEARS from CPD_PERIOD_FIRST_YEAR).
    CPD_REQUIRED_POINTS = int(os.environ.get("CPD_REQUIRED_POINTS", "120"))
    CPD_PERIOD_YEARS = int(os.environ.get("CPD_PERIOD_YEARS", "6"))
    CPD_PERIOD_FIRST_YEAR = int(os.environ.get("CPD_PERIOD_FIRST_YEAR", "2024"))
    # Renewal with CPD points opens this many days before expiry (and stays open after it); earlier
    # only by an institute admin's override with a reason, which is recorded.
    RENEWAL_WINDOW_DAYS = int(os.environ.get("RENEWAL_WINDOW_DAYS", "90"))
    # The institute's name per language, on certificates, their verification page and credentials
    # (Serbian Cyrillic is derived from the Latin name).
    INSTITUTE_NAME = os.environ.get("INSTITUTE_NAME", "Institute for Social Protection")
    INSTITUTE_NAME_SR_LATN = os.environ.get("INSTITUTE_NAME_SR_LATN", "Zavod za socijalnu zaštitu")
    INSTITUTE_NAME_BS = os.environ.get("INSTITUTE_NAME_BS", "Zavod za socijalnu zaštitu")

    # The certificates' signing keys (one private key file each, mode 0600; the newest signs): outside the
    # database and its backups. Development makes a first key here by itself; production refuses to start
    # without one (`flask --app learnhub certificates keygen`).
    CREDENTIAL_KEYS_DIR = os.environ.get("CREDENTIAL_KEYS_DIR", str(PROJECT_ROOT / "instance" / "keys"))

    PASSWORD_HASH_METHOD = "argon2id"  # or any werkzeug method, e.g. "scrypt" (learnhub/auth/passwords.py)
    LOGIN_SESSION_LIFETIME = timedelta(days=14)
    SIGNUP_TOKEN_MAX_AGE = int(timedelta(days=2).total_seconds())
    RESET_TOKEN_MAX_AGE = int(timedelta(hours=1).total_seconds())
    EMAIL_CHANGE_TOKEN_MAX_AGE = int(timedelta(days=1).total_seconds())
    INVITATION_LIFETIME = timedelta(days=14)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_STORAGE_OPTIONS = ratelimit_storage_options(RATELIMIT_STORAGE_URI)
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "learnhub")  # when several sites share one Redis
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # if the shared store is down, limit per instance meanwhile
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute; 100 per day")
    MAIL_RATE_LIMIT = os.environ.get("MAIL_RATE_LIMIT", "5 per minute; 30 per day")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")

    # Report figures are kept this long per scope, filters and language (the page says when they were
    # computed); with CACHE_REDIS_URL all instances share them, otherwise each keeps its own.
    REPORT_CACHE_SECONDS = int(os.environ.get("REPORT_CACHE_SECONDS", "300"))
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
    CACHE_TYPE = "learnhub.caching.ForgivingRedisCache" if CACHE_REDIS_URL else "SimpleCache"
    # A stopped Redis must not hold pages up (the options are Redis's own).
    CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1} if CACHE_REDIS_URL else None
    CACHE_KEY_PREFIX = "learnhub:"
    # The catalogue, learning-set pages and calendar feeds are kept until a row they show changes, and
    # only in a cache every process shares: with a cache per worker, a change made through one worker
    # would not reach the pages the others keep.
    KEEP_PAGES = bool(CACHE_REDIS_URL)
    KEPT_PAGE_SECONDS = int(os.environ.get("KEPT_PAGE_SECONDS", "300"))

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
    CACHE_TYPE = "NullCache"  # every test computes its report afresh
    CACHE_OPTIONS = None
    KEEP_PAGES = False
    CACHE_NO_NULL_WARNING = True
    BASE_URL = "http://localhost"
    # One key for the whole run (made on first use): an RSA key takes a moment to generate.
    CREDENTIAL_KEYS_DIR = str(Path(tempfile.gettempdir()) / f"learnhub-test-keys-{os.getuid()}")

    def __init__(self, database_url: str = "sqlite://", **overrides: object) -> None:
        self.SQLALCHEMY_DATABASE_URI = sqlalchemy_url(database_url)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        for key, value in overrides.items():
            setattr(self, key, value)
