"""Command-line entry points: `flask --app learnhub <command>`."""

import click
from flask import Flask
from flask.cli import AppGroup

from learnhub.extensions import db


def register_commands(app: Flask) -> None:
    from learnhub.curriculum import cli as curriculum_cli
    from learnhub.demo import DEMO_PASSWORD, seed_demo
    from learnhub.mail.services import send_pending

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
        """Send queued e-mail that is due; failures are retried later with back-off."""
        sent, failed = send_pending()
        click.echo(f"sent {sent}, failed {failed}")

    app.cli.add_command(mail)
