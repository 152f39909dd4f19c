"""Command-line entry points: `flask --app learnhub <command>`."""

import click
from flask import Flask
from flask.cli import AppGroup

from learnhub.extensions import db


def register_commands(app: Flask) -> None:
    from learnhub.curriculum import cli as curriculum_cli
    from learnhub.demo import DEMO_PASSWORD, seed_demo
    from learnhub.auth.services import find_user_by_email
    from learnhub.certification.services import auto_issue, send_expiry_notices
    from learnhub.mail.services import external_url, send_pending
    from learnhub.mentoring.services import feed_token, send_reminders
    from learnhub.timeutil import utcnow

    curriculum_cli.register(app)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load demo municipalities, organisations and one account per role (idempotent)."""
        accounts = seed_demo()
        db.session.commit()
        click.echo("Demo accounts (password for all: %s):" % DEMO_PASSWORD)
        for role, email in accounts:
            click.echo(f"  {role:<22} {email}")

    mail = AppGroup("mail", help="Outgoing e-mail.")

    @mail.command("send-pending")
    def send_pending_command() -> None:
        """Issue automatic certificates, queue reminders and expiry warnings, then send queued e-mail."""
        now = utcnow()
        certificates = auto_issue(now)
        reminders = send_reminders(now, app.config["REMINDER_LEAD_MINUTES"])
        notices = send_expiry_notices(now)
        db.session.commit()
        sent, failed = send_pending()
        click.echo(f"certificates {certificates}, reminders {reminders}, expiry notices {notices}, "
                   f"sent {sent}, failed {failed}")

    app.cli.add_command(mail)

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
