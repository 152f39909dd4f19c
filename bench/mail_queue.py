"""Queue COUNT group-session invitations in a bench database, as planning group sessions does, after
setting aside the mail the load test queued (marked sent), so `mail send-pending` sends exactly these.

    DATABASE_URL=… python bench/mail_queue.py COUNT
"""

import json
import sys

from sqlalchemy import select, update

from learnhub import create_app
from learnhub.extensions import db
from learnhub.mail.models import OutboxMessage
from learnhub.mentoring.invitations import send_invitations
from learnhub.mentoring.models import MentoringSession, SessionKind
from learnhub.timeutil import utcnow


def main() -> None:
    count = int(sys.argv[1])
    app = create_app()
    with app.app_context(), app.test_request_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).values(sent_at=utcnow()))
        sessions = db.session.scalars(select(MentoringSession).where(
            MentoringSession.kind == SessionKind.GROUP, MentoringSession.starts_at > utcnow())
            .order_by(MentoringSession.id))
        queued = 0
        for session in sessions:
            # Each call mails the participants given and the mentor's own copy.
            participants = session.active_participants[:count - queued - 1]
            send_invitations(session, participants)
            queued += len(participants) + 1
            if queued >= count:
                break
        db.session.commit()
    json.dump({"queued": queued}, sys.stdout)


if __name__ == "__main__":
    main()
