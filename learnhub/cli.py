"""Command-line entry points: `flask --app learnhub <command>`."""

import logging
import signal
import threading
import time
from dataclasses import dataclass

import click
from flask import Flask
from flask.cli import AppGroup

from learnhub.extensions import db

worker_log = logging.getLogger("learnhub.worker")


@dataclass(frozen=True)
class RoundReport:
    certificates: int
    reminders: int
    expiry_notices: int
    sent: int
    failed: int
    mail_left: bool = False  # its time for sending ran out with due mail that no worker is sending queued
    replies: int = 0  # answers to invitations read from the reply mailbox
    calendars: int = 0  # mentors' own calendars read (each every BUSY_CALENDAR_REFRESH_MINUTES)
    figures: int = 0  # stored report views computed again (each every REPORT_CACHE_SECONDS)

    @property
    def is_idle(self) -> bool:
        return not any((self.certificates, self.reminders, self.expiry_notices, self.sent, self.failed, self.replies,
                        self.calendars, self.figures))

    def __str__(self) -> str:
        return (f"certificates {self.certificates}, reminders {self.reminders}, "
                f"expiry notices {self.expiry_notices}, sent {self.sent}, failed {self.failed}"
                + (f", replies {self.replies}" if self.replies else "")
                + (f", calendars {self.calendars}" if self.calendars else "")
                + (f", report figures {self.figures}" if self.figures else ""))


def run_mail_round(app: Flask) -> RoundReport:
    """Issue automatic certificates, queue reminders and expiry warnings, then send queued e-mail.

    Safe in several processes at once: unique constraints let each certificate, reminder and warning
    be recorded once (a second worker's insert waits for the first and then skips), and outbox rows
    are taken one at a time with SKIP LOCKED, each recorded as sent as soon as the SMTP server has it.
    Each step commits on its own, so no step holds its locks for long.
    """
    from learnhub.certification.services import auto_issue, send_expiry_notices
    from learnhub.courses.reminders import send_session_reminders
    from learnhub.mail.services import has_due_mail, send_pending
    from learnhub.mentoring.busy import refresh_due_calendars
    from learnhub.mentoring.invitations import send_reminders
    from learnhub.reports.services import refresh_stored_figures
    from learnhub.timeutil import utcnow

    now = utcnow()
    replies = _receive_replies_logged()  # first: reminders follow the answers
    certificates = auto_issue(now)
    db.session.commit()
    leads = app.config["REMINDER_LEAD_MINUTES"]
    reminders = send_reminders(now, leads)
    db.session.commit()
    reminders += send_session_reminders(now, leads)
    db.session.commit()
    expiry_notices = send_expiry_notices(now)
    db.session.commit()
    sent, failed = send_pending()
    calendars = refresh_due_calendars(now)  # last: slow servers hold up no mail
    figures = refresh_stored_figures(now)
    return RoundReport(certificates, reminders, expiry_notices, sent, failed, mail_left=has_due_mail(),
                       replies=replies, calendars=calendars, figures=figures)


def _receive_replies_logged() -> int:
    """Answers from the reply mailbox; a mail server that cannot be reached holds up nothing else."""
    import imaplib

    from learnhub.mentoring.replies import receive_replies

    try:
        return receive_replies()
    except (OSError, imaplib.IMAP4.error) as error:
        db.session.rollback()
        worker_log.warning("Could not read the reply mailbox; next try next round: %s", error)
        return 0


class StopFlag:
    """The signal handler: it only records the request, so a round in progress finishes first."""

    def __init__(self) -> None:
        self.signal_name = ""

    @property
    def is_set(self) -> bool:
        return bool(self.signal_name)

    def __call__(self, signum: int, _frame: object) -> None:
        self.signal_name = signal.Signals(signum).name


def run_worker(app: Flask, interval: float, once: bool = False, stop: StopFlag | None = None) -> bool:
    """Run rounds every `interval` seconds until stopped (or one round); False if the last round failed.

    While a round leaves due mail behind (its time for sending ran out), the next one starts at once.
    """
    stop = stop or StopFlag()
    while True:
        report = _run_round_logged(app, interval)
        succeeded = report is not None
        if once or stop.is_set:
            return succeeded
        if report is not None and report.mail_left:
            continue
        deadline = time.monotonic() + interval
        while not stop.is_set and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.25))  # short naps: a stop request is noticed at once
        if stop.is_set:
            return succeeded


def _run_round_logged(app: Flask, interval: float) -> RoundReport | None:
    """One round, its outcome logged; None if it failed."""
    from learnhub.errors import DATABASE_UNAVAILABLE

    try:
        report = run_mail_round(app)
    except DATABASE_UNAVAILABLE as error:
        # A restart or an outage: nothing is lost (mail stays queued), so try again next round.
        worker_log.warning("Round failed, the database is unavailable; next try in %gs: %s",
                           interval, str(error).splitlines()[0])
        return None
    except Exception:
        worker_log.exception("Round failed; next try in %gs", interval)
        return None
    finally:
        try:
            db.session.close()  # a fresh session each round; rolls back whatever a failed round left
        except Exception:  # noqa: BLE001  (a dead connection cannot even roll back; the pool replaces it)
            pass
    if not report.is_idle:
        worker_log.info("Round done: %s", report)
    return report


def _show_worker_log() -> None:
    if worker_log.level == logging.NOTSET:
        worker_log.setLevel(logging.INFO)
    if not worker_log.hasHandlers():  # no logging set up by the deployment: to stderr, with times
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        worker_log.addHandler(handler)


def register_commands(app: Flask) -> None:
    from learnhub.auth.services import find_user_by_email
    from learnhub.curriculum import cli as curriculum_cli
    from learnhub.demo import DEMO_PASSWORD, load_curriculum_if_empty, seed_demo
    from learnhub.i18n import _
    from learnhub.mail.services import external_url
    from learnhub.mentoring.feeds import feed_token
    from learnhub.people.models import Role
    from learnhub.people.services import set_roles

    curriculum_cli.register(app)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load demo municipalities, organisations and one account per role (idempotent); the bundled
        curriculum first when no learning set exists."""
        loaded = load_curriculum_if_empty()
        if loaded is not None:
            click.echo(_("No learning sets yet: loaded the bundled curriculum (%(slugs)s).",
                         slugs=", ".join(loaded.created)))
        accounts = seed_demo()
        db.session.commit()
        click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for role, email in accounts:
            click.echo(f"  {role:<22} {email}")

    mail = AppGroup("mail", help="Outgoing e-mail.")

    @mail.command("send-pending")
    def send_pending_command() -> None:
        """Issue automatic certificates, queue reminders and expiry warnings, send queued e-mail and compute the
        institute dashboard's figures when they are old."""
        click.echo(str(run_mail_round(app)))

    @mail.command("receive")
    def receive_command() -> None:
        """Apply answers to invitations waiting in the reply mailbox (IMAP_*); the worker does this each round."""
        from learnhub.mentoring.replies import receive_replies

        click.echo(f"replies {receive_replies()}")

    app.cli.add_command(mail)

    reports = AppGroup("reports", help="Report figures.")

    @reports.command("refresh")
    def refresh_reports_command() -> None:
        """Compute the institute dashboard's stored figures now (each worker round does it when they are old)."""
        from learnhub.reports.services import refresh_stored_figures
        from learnhub.timeutil import utcnow

        click.echo(f"report figures {refresh_stored_figures(utcnow(), fresh=True)}")

    app.cli.add_command(reports)

    @app.cli.command("worker")
    @click.option("--interval", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
                  help="Seconds between rounds.")
    @click.option("--once", is_flag=True, help="Run one round and exit (status 1 if it failed).")
    def worker_command(interval: float, once: bool) -> None:
        """Do what `mail send-pending` does every INTERVAL seconds, until SIGTERM or Ctrl+C.

        A failed round (the database restarting, say) is logged and tried again next round.
        Several workers may run at once, on one machine or many.
        """
        _show_worker_log()
        stop = StopFlag()
        # Signal handlers can only be set from the main thread (not so when embedded in a test thread).
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)} if in_main_thread else {}
        worker_log.info("Worker started: a round every %gs", interval)
        try:
            succeeded = run_worker(app, interval, once=once, stop=stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        worker_log.info("Worker stopped%s", f" ({stop.signal_name})" if stop.is_set else "")
        if once and not succeeded:
            raise SystemExit(1)

    calendar = AppGroup("calendar", help="Calendar subscriptions.")

    @calendar.command("feed-url")
    @click.argument("email")
    def feed_url_command(email: str) -> None:
        """Print the private calendar feed address of the user with this e-mail."""
        user = find_user_by_email(email.strip().lower())
        if user is None:
            raise click.ClickException(f"no user with e-mail {email}")
        click.echo(external_url("mentoring.calendar_feed", token=feed_token(user)))

    app.cli.add_command(calendar)

    users = AppGroup("users", help="People and their roles.")

    @users.command("grant-role")
    @click.argument("email")
    @click.argument("role", type=click.Choice([role.value for role in Role]), metavar="ROLE")
    def grant_role_command(email: str, role: str) -> None:
        """Give ROLE (professional, mentor, trainer or institute_admin) to the person with this e-mail,
        keeping their other roles.

        How a new installation gets its first institute admin: that person signs up in the browser,
        then this gives them the role; from then on roles are given at /admin/users.
        """
        user = find_user_by_email(email.strip().lower())
        if user is None or user.is_erased:
            raise click.ClickException(
                f"no user with e-mail {email}; they sign up at {external_url('auth.register')} first")
        set_roles(None, user, [*user.role_set, role])
        db.session.commit()
        click.echo(f"{user.email}: {', '.join(sorted(user.role_set))}")

    app.cli.add_command(users)

    certificates = AppGroup("certificates", help="Signed certificates (Open Badges 3.0).")

    @certificates.command("keygen")
    def keygen_command() -> None:
        """Make a new signing key in CREDENTIAL_KEYS_DIR (mode 0600). It signs from now on; older keys stay
        published, so what they signed keeps verifying. Never delete an old key while its credentials count."""
        from pathlib import Path

        from learnhub.certification.issuer import key_url
        from learnhub.certification.keys import generate_key

        key = generate_key(Path(app.config["CREDENTIAL_KEYS_DIR"]))
        click.echo(f"{key.path}\n{key_url(key.key_id)}")

    app.cli.add_command(certificates)
