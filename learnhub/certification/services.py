"""Certification rules: eligibility from recorded facts, issuance (single, bulk, automatic, audited
override), revocation, renewal, expiry warnings, CPD records and organisation status."""

import base64
import calendar
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload

from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.certification.models import (
    AssessmentResult,
    Certificate,
    CertificateEvent,
    CertificateEventAction,
    CpdActivity,
    ExpiryNotice,
    OrganisationRequirement,
)
from learnhub.courses.models import Attendance, Cohort, CohortSession, Enrolment, EnrolmentStatus
from learnhub.curriculum.certification_rule import Facts
from learnhub.curriculum.models import LearningSet, LearningSetVersion, Module, ModuleProgress
from learnhub.dates import format_date
from learnhub.errors import Conflict, InvalidInput, NotAllowed, NotFound, get_or_404
from learnhub.extensions import db
from learnhub.i18n import _, _l, ngettext, to_reader_script
from learnhub.locking import added_once, locked, locked_or_none
from learnhub.mail.services import queue_email
from learnhub.mentoring.models import MentoringSession, SessionParticipant, SessionStatus
from learnhub.people.models import Membership, MembershipRole, Organisation, Role, ServiceType, User
from learnhub.timeutil import local_to_utc, utc_to_local, utcnow

# --- eligibility ---------------------------------------------------------------------------------


@dataclass
class Standing:
    enrolment: Enrolment
    facts: Facts
    missing: list[str]
    certificate: Certificate | None

    @property
    def is_eligible(self) -> bool:
        return not self.missing


def _add_months(moment: date, months: int) -> date:
    years, month_index = divmod(moment.month - 1 + months, 12)
    year = moment.year + years
    return date(year, month_index + 1, min(moment.day, calendar.monthrange(year, month_index + 1)[1]))


def cohort_standings(cohort: Cohort) -> list[Standing]:
    """Every enrolled participant's standing against the rule, in a fixed number of queries."""
    # The page names each person: their user comes in the same query (one query per person before), not
    # their roles; the cohort is the one already loaded.
    enrolments = list(db.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED).order_by(Enrolment.id)
        .options(joinedload(Enrolment.user).lazyload(User.roles), lazyload(Enrolment.cohort))))
    if not enrolments:
        return []
    ids = [e.id for e in enrolments]
    user_ids = [e.user_id for e in enrolments]
    rule = cohort.version.rule
    sessions_total = db.session.execute(select(func.count()).select_from(CohortSession).where(
        CohortSession.cohort_id == cohort.id)).scalar_one()
    attended = dict(db.session.execute(select(Attendance.enrolment_id, func.count()).where(
        Attendance.enrolment_id.in_(ids), Attendance.is_present.is_(True)).group_by(Attendance.enrolment_id)).all())
    modules = db.session.execute(select(Module.id, Module.version_id, Module.is_required).where(
        Module.version_id.in_({e.version_id for e in enrolments}))).all()
    done_pairs = set(db.session.execute(select(ModuleProgress.user_id, ModuleProgress.module_id).where(
        ModuleProgress.user_id.in_(user_ids), ModuleProgress.module_id.in_([m.id for m in modules]))).all())
    window_end = _add_months(cohort.ends_on, rule.mentoring_within_months or 1200)
    mentoring = dict(db.session.execute(
        select(SessionParticipant.user_id, func.count()).join(MentoringSession)
        .where(SessionParticipant.user_id.in_(user_ids), SessionParticipant.attended.is_(True),
               MentoringSession.status == SessionStatus.SCHEDULED,
               MentoringSession.starts_at >= datetime.combine(cohort.starts_on, datetime.min.time()),
               MentoringSession.starts_at < datetime.combine(window_end, datetime.min.time()))
        .group_by(SessionParticipant.user_id)).all())
    assessments = dict(db.session.execute(select(AssessmentResult.enrolment_id, AssessmentResult.is_passed).where(
        AssessmentResult.enrolment_id.in_(ids))).all())
    certificates = {c.holder_id: c for c in db.session.scalars(select(Certificate).where(
        Certificate.cohort_id == cohort.id))}
    standings = []
    for enrolment in enrolments:
        own = [m for m in modules if m.version_id == enrolment.version_id]
        facts = Facts(
            sessions_total=sessions_total, sessions_attended=attended.get(enrolment.id, 0),
            required_modules=sum(1 for m in own if m.is_required),
            required_modules_done=sum(1 for m in own if m.is_required and (enrolment.user_id, m.id) in done_pairs),
            all_modules=len(own), all_modules_done=sum(1 for m in own if (enrolment.user_id, m.id) in done_pairs),
            mentoring_attended=mentoring.get(enrolment.user_id, 0), assessment_passed=assessments.get(enrolment.id),
        )
        standings.append(Standing(enrolment, facts, rule.missing(facts),
                                  certificates.get(enrolment.user_id)))
    return standings


# --- issuing, revoking, renewing ------------------------------------------------------------------------

def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")  # 160 bits, 32 characters


def _audit(certificate: Certificate, actor: User | None, action: CertificateEventAction, reason: str = "",
           **details: str) -> None:
    db.session.add(CertificateEvent(certificate_id=certificate.id, actor_id=actor.id if actor else None,
                                    action=action, reason=reason[:2000]))
    after = {key: value[:2000] for key, value in {"reason": reason, **details}.items() if value}
    audit.record(AuditAction(f"certificate_{action}"), actor, subject_user_id=certificate.holder_id,
                 record_type="certificate", record_id=certificate.id, after=after or None)


def _expiry(version: LearningSetVersion, issued_at: datetime) -> datetime | None:
    months = version.rule.validity_months
    if not months:
        return None
    return datetime.combine(_add_months(issued_at.date(), months), issued_at.time())


def can_manage_cohort(actor: User, cohort: Cohort) -> bool:
    return actor.has_role(Role.INSTITUTE_ADMIN) or cohort.is_trainer(actor)


def issue_certificates(actor: User | None, cohort: Cohort, enrolment_ids: list[int], *, override_reason: str = "",
                       now: datetime | None = None) -> list[Certificate]:
    """Issue to the chosen participants. Anyone not eligible needs an institute admin's override with
    a reason, which is recorded; already certified participants are skipped, never certified twice."""
    now = now or utcnow()
    if actor is not None and not can_manage_cohort(actor, cohort):
        raise NotFound(_("We could not find that cohort."))
    if override_reason.strip() and (actor is None or not actor.has_role(Role.INSTITUTE_ADMIN)):
        raise NotAllowed(_("Only an institute admin can certify someone who has not met the rule."))
    chosen = {s.enrolment.id: s for s in cohort_standings(cohort) if s.enrolment.id in set(enrolment_ids)}
    if not chosen:
        raise InvalidInput(_("Please choose at least one participant."))
    blocked = [s for s in chosen.values() if not s.is_eligible and s.certificate is None]
    if blocked and not override_reason.strip():
        names = ", ".join(to_reader_script(s.enrolment.user.display_name) for s in blocked)
        raise Conflict(_("Not yet eligible: %(names)s. An institute admin can override with a reason.", names=names))
    issued = []
    for standing in chosen.values():
        if standing.certificate is not None:
            continue
        certificate = Certificate(
            code=new_code(), holder_id=standing.enrolment.user_id, version_id=standing.enrolment.version_id,
            cohort_id=cohort.id, issued_at=now, expires_at=_expiry(standing.enrolment.version, now),
            cpd_points=standing.enrolment.version.cpd_points, issuer_id=actor.id if actor else None,
            is_override=not standing.is_eligible)
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
                db.session.flush()
        except IntegrityError:  # issued at the same moment by someone else
            continue
        if certificate.is_override:
            _audit(certificate, actor, CertificateEventAction.ISSUED_BY_OVERRIDE, override_reason)
        else:
            _audit(certificate, actor, CertificateEventAction.ISSUED)
        _notify_holder(certificate)
        issued.append(certificate)
    db.session.flush()
    return issued


def _notify_holder(certificate: Certificate) -> None:
    holder = certificate.holder
    queue_email(holder.email, holder.preferred_language, "certificate_issued",
                _l("Your LearnHub certificate: %(title)s", title=certificate.version.lazy_title),
                time_zone=holder.time_zone, certificate=_certificate_facts(certificate))


def _certificate_facts(certificate: Certificate) -> dict:
    """What mails say about a certificate; the title in every language, for each recipient's."""
    return {"id": certificate.id, "holder": certificate.holder.display_name, "title": certificate.version.title,
            "expires_at": certificate.expires_at}


def auto_issue(now: datetime) -> int:
    """Certify everyone who meets the rule in cohorts that ask for it; run by the worker."""
    issued = 0
    for cohort in db.session.scalars(select(Cohort).where(Cohort.auto_issue_certificates.is_(True))
                                     .order_by(Cohort.id)):  # the same order in every worker
        eligible = [s.enrolment.id for s in cohort_standings(cohort) if s.is_eligible and s.certificate is None]
        if eligible:
            issued += len(issue_certificates(None, cohort, eligible, now=now))
    return issued


def get_certificate(certificate_id: int) -> Certificate:
    return get_or_404(Certificate, certificate_id, _("We could not find that certificate."))


def certificate_for(viewer: User, certificate_id: int) -> Certificate:
    """The holder, their organisation's admins, the cohort's trainers and institute admins may see it."""
    certificate = get_certificate(certificate_id)
    if certificate.holder_id == viewer.id or viewer.has_role(Role.INSTITUTE_ADMIN):
        return certificate
    if certificate.cohort is not None and certificate.cohort.is_trainer(viewer):
        return certificate
    administered = {m.organisation_id for m in viewer.memberships if m.is_org_admin}
    if administered & {m.organisation_id for m in certificate.holder.memberships}:
        return certificate
    raise NotFound(_("We could not find that certificate."))


def revoke(actor: User, certificate: Certificate, note: str, public_reason: str = "") -> None:
    """Revoke with an internal note for admins and, when chosen, a reason shown to anyone who verifies."""
    if not actor.has_role(Role.INSTITUTE_ADMIN):
        raise NotAllowed(_("Only an institute admin can do that."))
    if not note.strip():
        raise InvalidInput(_("Please write an internal note: why the certificate is revoked."))
    certificate = locked(Certificate, certificate.id)  # a double click revokes (and is logged) once
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_note, certificate.revoked_public_reason = note.strip()[:2000], public_reason.strip()[:2000]
    _audit(certificate, actor, CertificateEventAction.REVOKED, certificate.revoked_note, public_reason=certificate.revoked_public_reason)
    db.session.flush()


def reinstate(actor: User, certificate: Certificate, reason: str) -> None:
    if not actor.has_role(Role.INSTITUTE_ADMIN):
        raise NotAllowed(_("Only an institute admin can do that."))
    certificate = locked(Certificate, certificate.id)
    if certificate.revoked_at is None:
        raise Conflict(_("This certificate is not revoked."))
    certificate.revoked_at, certificate.revoked_note, certificate.revoked_public_reason = None, "", ""
    _audit(certificate, actor, CertificateEventAction.REINSTATED, reason)
    db.session.flush()


@dataclass(frozen=True)
class RenewalStanding:
    """Where a certificate stands for renewal with CPD points."""

    expires_at: datetime
    opens_on: date  # on the institute's calendar: RENEWAL_WINDOW_DAYS before the expiry date
    is_open: bool
    earned: int  # since the certificate was issued or last renewed
    needed: int

    @property
    def has_points(self) -> bool:
        return self.earned >= self.needed

    @property
    def can_renew(self) -> bool:
        return self.is_open and self.has_points

    @property
    def points_message(self) -> str:
        return ngettext("%(earned)d of %(num)d CPD point earned since the certificate was issued or last renewed.",
                        "%(earned)d of %(num)d CPD points earned since the certificate was issued or last renewed.",
                        self.needed, earned=self.earned)


_RENEWALS = (CertificateEventAction.RENEWED, CertificateEventAction.RENEWED_BY_OVERRIDE)


def renewal_standing(certificate: Certificate, now: datetime | None = None) -> RenewalStanding | None:
    """None when the certificate cannot be renewed with CPD points at all (no expiry, no such rule, revoked).
    Points count towards one renewal only: the next needs activities approved after it."""
    needed = certificate.version.rule.renewal_cpd_points
    if certificate.expires_at is None or not needed or certificate.revoked_at is not None:
        return None
    counted = [CpdActivity.user_id == certificate.holder_id, CpdActivity.approved_at.is_not(None),
               CpdActivity.completed_on >= institute_date(certificate.issued_at)]
    last_renewal = db.session.scalar(select(func.max(CertificateEvent.created_at)).where(
        CertificateEvent.certificate_id == certificate.id, CertificateEvent.action.in_(_RENEWALS)))
    if last_renewal is not None:
        counted.append(CpdActivity.approved_at > last_renewal)
    earned = db.session.execute(select(func.coalesce(func.sum(CpdActivity.points), 0)).where(*counted)).scalar_one()
    # The window opens at the start of a day as the institute's calendar shows it, the day the page names.
    zone = current_app.config["LEARNHUB_TIMEZONE"]
    opens_on = institute_date(certificate.expires_at) - timedelta(days=current_app.config["RENEWAL_WINDOW_DAYS"])
    opens_at = local_to_utc(datetime.combine(opens_on, time.min), zone)
    return RenewalStanding(expires_at=certificate.expires_at, opens_on=opens_on, is_open=(now or utcnow()) >= opens_at,
                           earned=int(earned), needed=needed)


def renew_by_cpd(actor: User, certificate: Certificate, now: datetime | None = None,
                 override_reason: str = "") -> None:
    """Extend a certificate whose renewal window has opened (RENEWAL_WINDOW_DAYS before expiry, or after it)
    when the holder earned the rule's CPD points since it was issued or last renewed. Earlier only with an
    institute admin's reason, recorded as an override: renewing again at once would push validity years ahead."""
    now = now or utcnow()
    if not actor.has_role(Role.INSTITUTE_ADMIN):
        raise NotAllowed(_("Only an institute admin can do that."))
    certificate = locked(Certificate, certificate.id)
    standing = renewal_standing(certificate, now)
    if standing is None:
        raise Conflict(_("This certificate cannot be renewed with CPD points."))
    override_reason = override_reason.strip()
    if not standing.is_open and not override_reason:
        raise Conflict(_("This certificate can be renewed from %(date)s.",
                         date=format_date(standing.opens_on, long=True)))
    if not standing.has_points:
        raise Conflict(standing.points_message)
    certificate.expires_at = _expiry(certificate.version, max(now, standing.expires_at))
    points = ngettext("%(num)d CPD point", "%(num)d CPD points", standing.earned)
    if standing.is_open:
        _audit(certificate, actor, CertificateEventAction.RENEWED, points)
    else:
        _audit(certificate, actor, CertificateEventAction.RENEWED_BY_OVERRIDE, override_reason, cpd_points=points)
    db.session.flush()


def history(certificate: Certificate) -> list[CertificateEvent]:
    return list(db.session.scalars(select(CertificateEvent).where(
        CertificateEvent.certificate_id == certificate.id).order_by(CertificateEvent.created_at, CertificateEvent.id)))


def certificate_by_code(raw_code: str) -> Certificate | None:
    """Look up by the code printed or linked; dashes, spaces and case do not matter."""
    code = "".join(ch for ch in raw_code.upper() if ch.isalnum())
    if not 20 <= len(code) <= 32:
        return None
    # A public page anyone may load at any rate: only what it shows, not the holder's roles or the
    # version's languages and service types.
    return db.session.scalar(select(Certificate).where(Certificate.code == code).options(
        joinedload(Certificate.holder).lazyload(User.roles),
        joinedload(Certificate.version).options(lazyload(LearningSetVersion.languages),
                                                lazyload(LearningSetVersion.service_types))))


def record_assessment(actor: User, cohort: Cohort, enrolment_id: int, is_passed: bool) -> None:
    if not can_manage_cohort(actor, cohort):
        raise NotFound(_("We could not find that cohort."))
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        raise NotFound(_("We could not find that participant in this cohort."))
    result = db.session.scalar(select(AssessmentResult).where(AssessmentResult.enrolment_id == enrolment.id))
    if result is None:
        result = AssessmentResult(enrolment_id=enrolment.id, is_passed=is_passed)
        db.session.add(result)
    result.is_passed, result.recorded_by_id, result.recorded_at = is_passed, actor.id, utcnow()
    db.session.flush()


def certificates_of(user: User) -> list[Certificate]:
    # With their cohorts: the PDFs and the personal-data download name them, one query for all.
    return list(db.session.scalars(select(Certificate).where(Certificate.holder_id == user.id)
                                   .options(selectinload(Certificate.cohort))
                                   .order_by(Certificate.issued_at.desc())))


# --- expiry warnings -----------------------------------------------------------------------------------

def send_expiry_notices(now: datetime, days_before: tuple[int, ...] = (60, 14)) -> int:
    """Warn holders and their organisations' admins before expiry; each warning goes out once."""
    queued = 0
    horizon = now + timedelta(days=max(days_before))
    expiring = db.session.scalars(select(Certificate).where(
        Certificate.revoked_at.is_(None), Certificate.expires_at > now, Certificate.expires_at <= horizon)
        .order_by(Certificate.id))  # one order for every worker, so two never lock rows crosswise
    for certificate in expiring:
        assert certificate.expires_at is not None  # the query asks for one
        due = [d for d in days_before if certificate.expires_at - now <= timedelta(days=d)]
        if not due:
            continue
        days = min(due)  # only the nearest warning, even if an earlier one was missed
        if not added_once(ExpiryNotice(certificate_id=certificate.id, days_before=days)):
            continue
        facts = _certificate_facts(certificate)
        for person in _holder_and_admins(certificate.holder):
            queue_email(person.email, person.preferred_language, "certificate_expiring",
                        _l("A certificate expires soon: %(title)s", title=certificate.version.lazy_title),
                        time_zone=person.time_zone, certificate=facts, name=person.display_name)
            queued += 1
    return queued


def _holder_and_admins(holder: User) -> list[User]:
    organisation_ids = [m.organisation_id for m in holder.memberships]
    admins = db.session.scalars(select(User).join(Membership).where(
        Membership.organisation_id.in_(organisation_ids), Membership.role == MembershipRole.ORG_ADMIN,
        User.id != holder.id)).unique().all() if organisation_ids else []
    return [holder, *admins]


# --- CPD ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CpdYear:
    year: int
    from_certificates: int
    from_activities: int

    @property
    def total(self) -> int:
        return self.from_certificates + self.from_activities


@dataclass(frozen=True)
class CpdRecord:
    years: list[CpdYear]
    period_start: int
    period_end: int
    required: int
    activities: list[CpdActivity]

    @property
    def period_total(self) -> int:
        return sum(y.total for y in self.years if self.period_start <= y.year <= self.period_end)


def institute_date(moment: datetime) -> date:
    """The date of a UTC moment on the institute's calendar (LEARNHUB_TIMEZONE), by which periods are counted."""
    return utc_to_local(moment, current_app.config["LEARNHUB_TIMEZONE"]).date()


def institute_today(now: datetime | None = None) -> date:
    return institute_date(now or utcnow())


def cpd_record(user: User, today: date) -> CpdRecord:
    """Points per year from certificates and approved activities, against the licence-period requirement."""
    # The year a certificate counts in is the one on the institute's calendar, not in UTC: one issued
    # at 00:30 on 1 January in Belgrade belongs to the new year (and perhaps a new licence period).
    by_certificate: Counter[int] = Counter()
    for issued_at, points in db.session.execute(select(Certificate.issued_at, Certificate.cpd_points).where(
            Certificate.holder_id == user.id, Certificate.revoked_at.is_(None))):
        by_certificate[institute_date(issued_at).year] += points
    by_activity = dict(db.session.execute(
        select(func.extract("year", CpdActivity.completed_on), func.sum(CpdActivity.points))
        .where(CpdActivity.user_id == user.id, CpdActivity.approved_at.is_not(None))
        .group_by(func.extract("year", CpdActivity.completed_on))).all())
    years = sorted({int(y) for y in [*by_certificate, *by_activity]}, reverse=True)
    period_years = current_app.config["CPD_PERIOD_YEARS"]
    first_year = current_app.config["CPD_PERIOD_FIRST_YEAR"]
    period_start = first_year + (today.year - first_year) // period_years * period_years
    activities = list(db.session.scalars(select(CpdActivity).where(CpdActivity.user_id == user.id)
                                         .order_by(CpdActivity.completed_on.desc())))
    return CpdRecord(
        years=[CpdYear(y, by_certificate[y], int(_year_value(by_activity, y))) for y in years],
        period_start=period_start, period_end=period_start + period_years - 1,
        required=current_app.config["CPD_REQUIRED_POINTS"], activities=activities)


def _year_value(values: dict, year: int) -> int:
    # EXTRACT returns a number whose type differs between databases (int, float, Decimal).
    return next((v for k, v in values.items() if int(k) == year), 0) or 0


def add_cpd_activity(user: User, title: str, points: int, completed_on: date, today: date) -> CpdActivity:
    if not title.strip() or len(title) > 200:
        raise InvalidInput(_("Please describe the activity (up to 200 characters)."))
    if not 1 <= points <= 100:
        raise InvalidInput(_("Points must be between 1 and 100."))
    if completed_on > today:
        raise InvalidInput(_("The activity must already have taken place."))
    activity = CpdActivity(user_id=user.id, title=title.strip(), points=points, completed_on=completed_on)
    db.session.add(activity)
    db.session.flush()
    return activity


def pending_cpd_activities() -> list[CpdActivity]:
    return list(db.session.scalars(select(CpdActivity).where(CpdActivity.approved_at.is_(None))
                                   .order_by(CpdActivity.created_at)))


def approve_cpd_activity(actor: User, activity_id: int) -> None:
    # Locked: two admins approving at once approve once, and an activity erased meanwhile is gone (404).
    activity = locked_or_none(CpdActivity, activity_id)
    if activity is None:
        raise NotFound(_("We could not find that activity."))
    if activity.approved_at is not None:
        raise Conflict(_("This activity is already approved."))
    activity.approved_by_id, activity.approved_at = actor.id, utcnow()
    db.session.flush()


# --- organisation status ---------------------------------------------------------------------------------

@dataclass
class RequirementStatus:
    requirement: OrganisationRequirement
    certified: int
    expiring_soon: int

    @property
    def is_met(self) -> bool:
        return self.certified >= self.requirement.min_staff

    @property
    def gap(self) -> int:
        return max(self.requirement.min_staff - self.certified, 0)


@dataclass
class OrganisationStatus:
    organisation: Organisation
    requirements: list[RequirementStatus] = field(default_factory=list)

    @property
    def state(self) -> str:
        if any(not r.is_met for r in self.requirements):
            return "gaps"
        if any(r.certified - r.expiring_soon < r.requirement.min_staff for r in self.requirements):
            return "expiring"
        return "compliant"


STATE_LABELS = {"compliant": _l("Compliant"), "gaps": _l("Gaps"), "expiring": _l("Expiring soon")}


def organisation_statuses(organisation_ids: list[int] | None, now: datetime,
                          warn_days: int = 60) -> list[OrganisationStatus]:
    """Each organisation against the requirements of the services it provides, in three queries. The
    database counts the holders (an institute's certificates run to the hundred thousand), and only for
    learning sets some requirement names."""
    requirements = list(db.session.scalars(select(OrganisationRequirement)))
    if not requirements:
        return []  # nothing is asked of any organisation
    statement = select(Organisation).order_by(Organisation.name)
    if organisation_ids is not None:
        statement = statement.where(Organisation.id.in_(organisation_ids))
    organisations = list(db.session.scalars(statement))
    # One row per (organisation, learning set, holder) with the latest expiry: a person with two
    # certificates counts once, and is expiring only if both are.
    holding = (
        select(Membership.organisation_id, LearningSetVersion.learning_set_id,
               func.max(func.coalesce(Certificate.expires_at, datetime(9999, 1, 1))).label("expires_at"))
        .join(Certificate, Certificate.holder_id == Membership.user_id)
        .join(LearningSetVersion, LearningSetVersion.id == Certificate.version_id)
        .where(Certificate.revoked_at.is_(None),
               (Certificate.expires_at.is_(None)) | (Certificate.expires_at > now),
               LearningSetVersion.learning_set_id.in_({r.learning_set_id for r in requirements}))
        .group_by(Membership.organisation_id, LearningSetVersion.learning_set_id, Certificate.holder_id))
    if organisation_ids is not None:
        holding = holding.where(Membership.organisation_id.in_(organisation_ids))
    holders = holding.subquery()
    soon = now + timedelta(days=warn_days)
    # (organisation, learning set) -> (members holding a valid certificate, of whom expiring soon)
    counts = {(organisation_id, learning_set_id): (valid, expiring) for organisation_id, learning_set_id, valid, expiring
              in db.session.execute(
                  select(holders.c.organisation_id, holders.c.learning_set_id, func.count(),
                         func.count().filter(holders.c.expires_at <= soon))
                  .group_by(holders.c.organisation_id, holders.c.learning_set_id))}
    statuses = []
    for organisation in organisations:
        services = set(organisation.service_types)
        status = OrganisationStatus(organisation)
        for requirement in requirements:
            if requirement.service_type in services:
                valid, expiring = counts.get((organisation.id, requirement.learning_set_id), (0, 0))
                status.requirements.append(RequirementStatus(requirement, valid, expiring))
        if status.requirements:
            statuses.append(status)
    return statuses


def municipality_summary(statuses: list[OrganisationStatus]) -> list[tuple[str, Counter]]:
    summary: dict[str, Counter] = defaultdict(Counter)
    for status in statuses:
        summary[status.organisation.municipality.name][status.state] += 1
    return sorted(summary.items())


def all_requirements() -> list[OrganisationRequirement]:
    return list(db.session.scalars(select(OrganisationRequirement).order_by(OrganisationRequirement.service_type)))


def set_requirement(service_type: str, learning_set_id: int | None, min_staff: int) -> OrganisationRequirement:
    if service_type not in ServiceType._value2member_map_ or not 1 <= min_staff <= 100:
        raise InvalidInput(_("Please choose a service and a number of staff between 1 and 100."))
    if learning_set_id is None or db.session.get(LearningSet, learning_set_id) is None:
        raise InvalidInput(_("Please choose from the lists."))
    requirement = db.session.scalar(select(OrganisationRequirement).where(
        OrganisationRequirement.service_type == service_type,
        OrganisationRequirement.learning_set_id == learning_set_id))
    if requirement is None:
        requirement = OrganisationRequirement(service_type=service_type, learning_set_id=learning_set_id)
        db.session.add(requirement)
    requirement.min_staff = min_staff
    db.session.flush()
    return requirement
