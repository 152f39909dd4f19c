"""What a person's dashboard puts first: what comes next for them, not a list of links.

The next training session (with its place or link), the next mentoring session, learning sets with
modules left to finish, and certificates that expire within 90 days: a fixed number of queries.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from learnhub.certification.models import Certificate
from learnhub.courses import services as courses
from learnhub.courses.models import Cohort, CohortSession, Enrolment, EnrolmentStatus, join_link
from learnhub.curriculum.models import LearningSetVersion, pick_language
from learnhub.extensions import db
from learnhub.mentoring import overview
from learnhub.mentoring.models import MentoringSession
from learnhub.people.models import User

EXPIRY_WARNING_DAYS = 90


@dataclass(frozen=True)
class NextTrainingSession:
    cohort_id: int
    cohort_name: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str

    def join_url_at(self, now: datetime) -> str:
        return join_link(self.online_url, self.starts_at, self.ends_at, now)


@dataclass(frozen=True)
class ExpiringCertificate:
    id: int
    title: dict[str, str]
    expires_at: datetime

    @property
    def display_title(self) -> str:
        return pick_language(self.title)


@dataclass(frozen=True)
class NextSteps:
    training_session: NextTrainingSession | None
    mentoring_session: MentoringSession | None
    to_finish: list[courses.LearningItem] = field(default_factory=list)  # enrolled, with modules left
    expiring: list[ExpiringCertificate] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.training_session or self.mentoring_session or self.to_finish or self.expiring)


_NEXT_TRAINING = (
    select(Cohort.id, Cohort.name, CohortSession.starts_at, CohortSession.ends_at, CohortSession.place,
           CohortSession.online_url)
    .join(Cohort, Cohort.id == CohortSession.cohort_id)
    .join(Enrolment, Enrolment.cohort_id == Cohort.id)
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.status == EnrolmentStatus.ENROLLED,
           CohortSession.ends_at >= bindparam("now"))
    .order_by(CohortSession.starts_at).limit(1))
_EXPIRING = (
    select(Certificate.id, LearningSetVersion.title, Certificate.expires_at)
    .join(LearningSetVersion, LearningSetVersion.id == Certificate.version_id)
    .where(Certificate.holder_id == bindparam("user_id"), Certificate.revoked_at.is_(None),
           Certificate.expires_at > bindparam("now"), Certificate.expires_at <= bindparam("soon"))
    .order_by(Certificate.expires_at))


def next_steps(user: User, now: datetime) -> NextSteps:
    when = {"user_id": user.id, "now": now}
    training = db.session.execute(_NEXT_TRAINING, when).one_or_none()
    to_finish = [item for item in courses.my_learning(user, now)
                 if item.status == EnrolmentStatus.ENROLLED and item.next_module is not None]
    expiring = [ExpiringCertificate(*row) for row in db.session.execute(
        _EXPIRING, when | {"soon": now + timedelta(days=EXPIRY_WARNING_DAYS)})]
    return NextSteps(NextTrainingSession(*training) if training else None, overview.next_session(user, now),
                     to_finish, expiring)
