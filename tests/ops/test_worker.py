"""`flask --app learnhub worker`: the mail worker as a long-running service."""

import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from learnhub.certification.models import Certificate, ExpiryNotice
from learnhub.cli import StopFlag, _run_round_logged, run_mail_round, run_worker
from learnhub.extensions import db
from learnhub.mail.models import OutboxMessage
from learnhub.mail.services import queue_email
from learnhub.mentoring.models import MentoringSession, ReminderSent, SessionKind, SessionParticipant
from learnhub.timeutil import utcnow
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    ProgrammeFactory,
    UserFactory,
    VersionFactory,
    certificate_for,
)
from tests.ops.conftest import closed_port, unreachable_database_app

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _work_for_every_job(learners: int = 4, queued: int = 6) -> int:
    """Something for each job of a round; returns how many e-mails the round should send."""
    cohort = CohortFactory(version=VersionFactory(modules=[], certification={}), auto_issue_certificates=True)
    for number in range(learners):  # no sessions or modules: everyone meets the rule at once
        EnrolmentFactory(cohort=cohort, user=UserFactory(email=f"learner{number}@example.org"))
    programme = ProgrammeFactory()
    mentee = UserFactory(email="mentee@example.org")
    starts_at = utcnow() + timedelta(hours=2)  # the 24-hour reminder is due, the 1-hour one not yet
    db.session.add(MentoringSession(
        programme_id=programme.id, mentor_id=programme.mentors[0].user_id, kind=SessionKind.GROUP,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), place="Sala", capacity=5,
        participants=[SessionParticipant(user_id=mentee.id)]))
    certificate_for(EnrolmentFactory(user=UserFactory(email="expiring@example.org")),
                    expires_at=utcnow() + timedelta(days=30))
    for number in range(queued):
        queue_email(f"queued{number}@example.org", "en", "email_taken", lazy_gettext("Your LearnHub e-mail change"))
    db.session.commit()
    return learners + 2 + 1 + queued  # certificates, reminders (mentee and mentor), one expiry warning, the queue


def test_a_round_does_every_job_once(app, smtp_sink):
    expected = _work_for_every_job()
    report = run_mail_round(app)
    assert (report.certificates, report.reminders, report.expiry_notices) == (4, 2, 1)
    assert (report.sent, report.failed) == (expected, 0)
    assert run_mail_round(app).is_idle
    assert len(smtp_sink.messages) == expected


def test_worker_once_runs_one_round(app, runner, smtp_sink, caplog):
    expected = _work_for_every_job()
    with caplog.at_level(logging.INFO, logger="learnhub.worker"):
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"sent {expected}, failed 0" in caplog.text
    assert "Worker stopped" in caplog.text
    assert len(smtp_sink.messages) == expected


def test_send_pending_command_reports_the_round(app, runner):
    _work_for_every_job(learners=1, queued=1)
    result = runner.invoke(args=["mail", "send-pending"])
    # The round also computes the institute dashboard's stored figures, the first time and when they are old.
    assert result.output.strip() == ("certificates 1, reminders 2, expiry notices 1, sent 5, failed 0, "
                                     "report figures 1")


def test_a_failed_round_is_logged_and_once_exits_with_status_1(caplog):
    runner = unreachable_database_app().test_cli_runner()
    with caplog.at_level(logging.INFO, logger="learnhub.worker"):
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 1  # --once reports the failed round to cron or the caller
    assert "the database is unavailable; next try in 30s" in caplog.text
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_worker_goes_on_at_once_while_mail_is_left_after_a_round(make_app, smtp_sink):
    """A round that spends its time budget leaves the rest of the queue to the next round, which starts
    without waiting the interval."""
    import signal

    app = make_app(MAIL_SEND_SECONDS=0)  # one message per round
    with app.app_context():
        for number in range(3):
            queue_email(f"queued{number}@example.org", "en", "email_taken", lazy_gettext("Your LearnHub e-mail change"))
        db.session.commit()
    stop = StopFlag()

    def work() -> None:
        with app.app_context():
            run_worker(app, interval=3600, stop=stop)

    thread = threading.Thread(target=work)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while len(smtp_sink.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop(signal.SIGTERM, None)
        thread.join(timeout=20)
    assert len(smtp_sink.messages) == 3  # three rounds, back to back, not one an hour


def _start_worker(database_url: str, *extra: str, **settings: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_SERVER": "", "LEARNHUB_ENV": "development",
           "PYTHONUNBUFFERED": "1", **settings}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "learnhub", "worker", "--interval", "0.2", *extra],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_until(process: subprocess.Popen, text: str, count: int = 1, timeout: float = 20) -> str:
    seen, deadline = "", time.monotonic() + timeout
    while seen.count(text) < count:
        assert time.monotonic() < deadline, f"never saw {text!r} {count}×:\n{seen}"
        line = process.stdout.readline()
        assert line or process.poll() is None, f"the worker ended early:\n{seen}"
        seen += line
    return seen


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_worker_survives_a_database_outage_and_stops_cleanly_on_a_signal(signal_name):
    import signal

    process = _start_worker(f"postgresql://postgres@127.0.0.1:{closed_port()}/learnhub")
    try:
        _read_until(process, "the database is unavailable", count=3)  # three failed rounds, still running
        process.send_signal(getattr(signal, signal_name))
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert f"Worker stopped ({signal_name})" in output
    assert "Traceback" not in output


def test_worker_recovers_when_the_database_comes_back(make_app, database_url, caplog):
    """One worker process: rounds fail while the database is away and succeed once it is back."""
    app = make_app()
    with app.app_context():
        _work_for_every_job(learners=1, queued=0)
        working = db.engines[None]
        # Outage: the engine points at a port where nothing listens.
        outage = db.engines[None] = db.create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/learnhub")
        try:
            with caplog.at_level(logging.INFO, logger="learnhub.worker"):
                assert run_worker(app, interval=0.1, once=True) is False
                db.engines[None] = working
                assert run_worker(app, interval=0.1, once=True) is True
        finally:
            db.engines[None] = working
            outage.dispose()
    assert "the database is unavailable" in caplog.text
    assert "Round done: certificates 1, reminders 2, expiry notices 1, sent 4, failed 0" in caplog.text


def test_two_workers_at_once_send_each_mail_exactly_once(make_app, smtp_sink):
    first, second = make_app(), make_app()
    with first.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks (SKIP LOCKED) and waiting unique inserts are what PostgreSQL production runs on")
        expected = _work_for_every_job(learners=8, queued=20)

    rounds = 3
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def work(app) -> None:
        with app.app_context():
            for _ in range(rounds):
                barrier.wait(timeout=30)  # both start each round together
                outcomes.append(_run_round_logged(app, interval=0) is not None)

    threads = [threading.Thread(target=work, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    deliveries = Counter((message["To"], str(message["Subject"])) for message in smtp_sink.messages)
    assert sum(deliveries.values()) == expected
    assert set(deliveries.values()) == {1}, [key for key, times in deliveries.items() if times > 1]
    with first.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 8 + 1
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 2
        assert db.session.scalar(select(func.count()).select_from(ExpiryNotice)) == 1
        assert db.session.scalars(select(OutboxMessage.attempts)).all() == [1] * expected
    assert outcomes.count(True) >= rounds  # a round may lose a deadlock and retry; the work still gets done


def test_a_worker_killed_while_sending_repeats_at_most_one_message(make_app, database_url, smtp_sink):
    """Two worker processes share 500 queued messages; one is killed (SIGKILL) after 64 have gone out.
    The other sends the rest, and at most the one message the dead worker was sending arrives twice."""
    import signal

    app = make_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("two processes taking rows with SKIP LOCKED: what PostgreSQL production runs on")
    smtp = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_sink.port)}
    workers = [_start_worker(database_url, **smtp) for _ in range(2)]
    try:
        for worker in workers:
            _read_until(worker, "Worker started")
        with app.app_context():  # queued once both are running, so both are sending when one dies
            for number in range(500):
                queue_email(f"person{number}@example.org", "en", "email_taken",
                            lazy_gettext("Your LearnHub e-mail change"))
            db.session.commit()
        deadline = time.monotonic() + 60
        while len(smtp_sink.messages) < 64:
            assert time.monotonic() < deadline, f"only {len(smtp_sink.messages)} messages arrived"
            time.sleep(0.001)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        # Stuck means no new message for a minute, not slow: a busy machine sends 500 in more than a minute.
        sent, deadline = 0, time.monotonic() + 60
        while (arrived := len({message["To"] for message in smtp_sink.messages})) < 500:
            if arrived > sent:
                sent, deadline = arrived, time.monotonic() + 60
            assert time.monotonic() < deadline and workers[1].poll() is None, "the other worker did not send the rest"
            time.sleep(0.05)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
            worker.communicate(timeout=30)

    deliveries = Counter(message["To"] for message in smtp_sink.messages)
    assert len(deliveries) == 500
    assert sum(deliveries.values()) - 500 <= 1, [address for address, times in deliveries.items() if times > 1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0
