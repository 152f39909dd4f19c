"""Benchmark: free-slot computation and a calendar feed with 10,000 mentoring sessions.

Run with `make bench`. Uses a throw-away SQLite database (or BENCH_DATABASE_URL) and prints,
and writes to bench/out/mentoring.json, the median time of each operation.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert

from learnhub import create_app
from learnhub.config import TestConfig
from learnhub.extensions import db
from learnhub.mentoring import availability, feeds
from learnhub.mentoring.models import (
    AvailabilityWindow,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    ProgrammeMentor,
    SessionParticipant,
)
from learnhub.people.models import Municipality, Organisation, User

SESSIONS = 10_000
REPEATS = 7
NOW = datetime(2027, 1, 4, 6, 0)


def _timed(action) -> float:
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def seed() -> tuple[MentoringProgramme, User, User]:
    municipality = Municipality(name="Ruma", country="RS")
    organisation = Organisation(name="Dnevni boravak Ruma", municipality=municipality)
    mentor = User(email="mentor@bench.example", display_name="Mentor", password_hash="x", time_zone="Europe/Belgrade")
    mentee = User(email="mentee@bench.example", display_name="Mentee", password_hash="x")
    db.session.add_all([organisation, mentor, mentee])
    db.session.flush()
    programme = MentoringProgramme(name="Bench", starts_on=date(2026, 1, 1), ends_on=date(2030, 1, 1),
                                   mentors=[ProgrammeMentor(user_id=mentor.id)])
    db.session.add(programme)
    db.session.add(MentorProfile(user_id=mentor.id, min_notice_hours=0, max_days_ahead=60,
                                 windows=[AvailabilityWindow(weekday=d, start=clock(8), end=clock(18))
                                          for d in range(7)]))
    db.session.flush()
    # Sessions every two hours from a year before NOW on, so the next weeks are partly busy.
    start = NOW - timedelta(days=365)
    rows = [{"programme_id": programme.id, "mentor_id": mentor.id, "kind": "individual",
             "starts_at": start + timedelta(hours=2 * i), "ends_at": start + timedelta(hours=2 * i, minutes=60),
             "place": "Ruma", "online_url": "", "agenda": "", "status": "scheduled", "sequence": 0,
             "cancel_reason": "", "created_at": NOW} for i in range(SESSIONS)]
    db.session.execute(insert(MentoringSession), rows)
    ids = [row.id for row in db.session.query(MentoringSession.id)]
    db.session.execute(insert(SessionParticipant), [{"session_id": i, "user_id": mentee.id, "partstat": "ACCEPTED"}
                                                    for i in ids])
    db.session.commit()
    return programme, mentor, mentee


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite")
        app = create_app(TestConfig(url))
        with app.app_context(), app.test_request_context():
            upgrade()
            programme, mentor, mentee = seed()
            results = {
                "sessions": SESSIONS,
                "free_slots_seconds": _timed(lambda: availability.programme_mentor_slots(programme, mentor.id, NOW)),
                # The whole feed (its past year and everything ahead) as a calendar app fetches it first,
                # then an unchanged one, answered 304 from its rows' digest without building it.
                "feed_seconds": _timed(lambda: feeds.build_feed(mentee, NOW)),
                "unchanged_feed_seconds": _timed(lambda: feeds.feed_for_token(
                    feeds.feed_token(mentee), NOW, lambda _etag, _last_modified: True)),
                "feed_events": len(feeds.feed_events(mentee, NOW)),
            }
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "mentoring.json").write_text(json.dumps(results, indent=2))
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
