"""Download everything held about you; erasure keeps statistics and certificate checks, not the person."""

import io
import json
import zipfile
from datetime import date, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.courses.models import Enrolment, Evaluation
from learnhub.extensions import db
from learnhub.mail.models import OutboxMessage
from learnhub.mail.services import send_pending
from learnhub.mentoring import availability, booking
from learnhub.people.models import Membership, MembershipRole, Role, User
from learnhub.people.services import users_with_role
from learnhub.privacy.models import ErasureRequest
from learnhub.reports import queries
from learnhub.reports.scope import ReportFilter, ReportScope, ScopeKind
from learnhub.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    EnrolmentFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    certificate_for,
    member_of,
)
from tests.parallel import post_at_once, signed_in


def _person_with_history(language: str = "en"):
    organisation = OrganisationFactory(name="Dnevni boravak Užice")
    person = member_of(organisation, email="ljilja@example.org", display_name="Ljiljana Đorđević",
                       preferred_language=language)
    enrolment = EnrolmentFactory(user=person, organisation_id=organisation.id, reason="Family reasons")
    db.session.add(Evaluation(cohort_id=enrolment.cohort_id, user_id=person.id, accessibility=5, usefulness=5,
                              quality=4, comment="Ana from my team loved it"))
    certificate = certificate_for(enrolment, expires_at=utcnow() + timedelta(days=365))
    return person, enrolment, certificate


def test_download_holds_json_and_certificate_pdfs(client, auth, app):
    person, enrolment, certificate = _person_with_history("sr_Cyrl")
    auth.login("ljilja@example.org")
    response = client.post("/account/personal-data")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    data = json.loads(archive.read("personal-data.json"))
    assert data["profile"]["email"] == "ljilja@example.org"
    assert data["organisations"][0]["organisation"] == "Dnevni boravak Užice"
    assert data["enrolments"][0]["cohort_id"] == enrolment.cohort_id
    assert data["cohort_evaluations"][0]["comment"] == "Ana from my team loved it"
    assert data["certificates"][0]["code"] == certificate.readable_code
    assert any(e["action"] == "login_succeeded" for e in data["audit_log"])
    pdf = PdfReader(io.BytesIO(archive.read(f"certificates/{certificate.code}.pdf")))
    assert "Љиљана Ђорђевић" in pdf.pages[0].extract_text()  # in the holder's language and script
    assert "password" not in archive.read("personal-data.json").decode().lower()


def test_erasure_needs_the_password_and_is_asked_once(client, auth, app):
    _person_with_history()
    auth.login("ljilja@example.org")
    refused = client.post("/account/erasure", data={"current_password": "wrong password!"})
    assert refused.status_code == 400 and "current password is not correct" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ErasureRequest)) == 0
    assert client.post("/account/erasure", data={"current_password": PASSWORD}).status_code == 302
    again = client.post("/account/erasure", data={"current_password": PASSWORD})
    assert again.status_code == 409
    assert "You asked for erasure on" in client.get("/account/privacy").get_data(as_text=True)


def test_completed_erasure_anonymises_but_keeps_statistics_and_verification(client, auth, app):
    person, enrolment, certificate = _person_with_history()
    admin = UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    db.session.add(ErasureRequest(user_id=person.id))
    db.session.commit()
    everything = ReportFilter()
    scope = ReportScope(ScopeKind.INSTITUTE, 0, "")
    before = (queries.training(everything, scope), queries.certificates(everything, scope, utcnow()),
              queries.cohort_evaluations(everything, scope))

    auth.login("admin@example.org")
    db.session.add(OutboxMessage(to_address=person.email, subject="Reminder", text_body="x", html_body="x"))
    [erasure] = db.session.scalars(select(ErasureRequest))
    assert client.post(f"/admin/erasure-requests/{erasure.id}/complete").status_code == 302

    db.session.expire_all()
    erased = db.session.get(User, person.id)
    assert erased.is_erased and not erased.is_active and erased.email == f"erased-{person.id}@erased.invalid"
    assert "Đorđević" not in erased.display_name and erased.roles == []
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == person.id)) == 0
    assert db.session.get(Enrolment, enrolment.id).reason == ""
    assert db.session.scalar(select(Evaluation.comment).where(Evaluation.user_id == person.id)) == ""
    unsent = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == "ljilja@example.org")
    assert db.session.scalar(unsent) == 0  # nothing more is mailed to the old address
    assert (queries.training(everything, scope), queries.certificates(everything, scope, utcnow()),
            queries.cohort_evaluations(everything, scope)) == before

    client.post("/auth/logout")
    login = client.post("/auth/login", data={"email": "ljilja@example.org", "password": PASSWORD})
    assert login.status_code == 400
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate is valid." in page and "Đorđević" not in page
    assert "the holder asked for their personal data to be erased" in page
    credential = client.get(f"/verify/{certificate.code}.json").json
    assert "name" not in credential["credentialSubject"] and "Đorđević" not in json.dumps(credential)
    assert admin.id != person.id


def _stored_mail_text() -> str:
    """Everything the outbox holds, each row's columns joined."""
    rows = db.session.scalars(select(OutboxMessage)).all()
    return "\n".join(str(value) for row in rows for value in (
        row.to_address, row.subject, row.context, row.calendar, row.text_body, row.html_body, row.ics_body))


def test_completed_erasure_leaves_the_person_in_no_stored_mail_to_or_about_them(client, auth, app, smtp_sink):
    organisation = OrganisationFactory()
    mentor = UserFactory(email="mira.mentor@example.org", display_name="Mira Đukić", roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation)
    mentee = member_of(organisation, email="nikola@example.org", display_name="Nikola Mentee")
    admin = UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    db.session.commit()
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, utcnow())
    session = booking.book_slot(mentee, programme.id, mentor.id, slots[0].starts_at)
    db.session.commit()
    assert send_pending() == (2, 0)  # sent: the invitations to both
    auth.login("admin@example.org")  # a POST: it sends what is queued, so before the change is queued
    booking.reschedule(mentee, session, slots[1].starts_at, "")  # queued, not sent yet
    db.session.add(ErasureRequest(user_id=mentor.id))
    db.session.commit()
    names = ["mira.mentor@example.org", "Mira Đukić", json.dumps("Mira Đukić")[1:-1]]
    assert all(name in _stored_mail_text() for name in names)
    smtp_sink.clear()

    [erasure] = db.session.scalars(select(ErasureRequest))
    assert client.post(f"/admin/erasure-requests/{erasure.id}/complete").status_code == 302

    db.session.expire_all()
    stored = _stored_mail_text()
    assert not [name for name in names if name in stored]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == "nikola@example.org")) == 2  # the mentee's mail stays, without her
    [update] = smtp_sink.to("nikola@example.org")  # the change still reaches the mentee
    raw = update.as_string()
    assert "Mira" not in raw and "mira.mentor" not in raw and "Đukić" not in smtp_sink.text_of(update)
    assert smtp_sink.to("mira.mentor@example.org") == []
    assert admin.id != mentor.id


def test_a_note_for_a_mentor_is_the_mentees_own_data_downloaded_and_erased_with_them(client, auth, app):
    organisation = OrganisationFactory()
    mentor = UserFactory(roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation)
    mentee = member_of(organisation, email="nikola@example.org")
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, utcnow())
    session = booking.book_slot(mentee, programme.id, mentor.id, slots[0].starts_at, note="My daughter's school")
    db.session.add(ErasureRequest(user_id=mentee.id))
    db.session.commit()
    auth.login("nikola@example.org")
    archive = zipfile.ZipFile(io.BytesIO(client.post("/account/personal-data").get_data()))
    [row] = json.loads(archive.read("personal-data.json"))["mentoring_sessions"]
    assert row["note_for_mentor"] == "My daughter's school"
    auth.logout()
    auth.login("admin@example.org")
    [erasure] = db.session.scalars(select(ErasureRequest))
    assert client.post(f"/admin/erasure-requests/{erasure.id}/complete").status_code == 302
    db.session.expire_all()
    assert db.session.get(type(session), session.id).note_for_mentor == ""


def test_an_admin_cannot_complete_their_own_erasure(client, auth, app):
    admin = UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    db.session.add(ErasureRequest(user_id=admin.id))
    db.session.commit()
    auth.login("admin@example.org")
    [erasure] = db.session.scalars(select(ErasureRequest))
    assert client.post(f"/admin/erasure-requests/{erasure.id}/complete").status_code == 409
    assert client.post("/admin/erasure-requests/999999/complete").status_code == 404


def test_erasure_requests_list_for_admins(client, auth, app):
    person = member_of(OrganisationFactory(), MembershipRole.MEMBER, display_name="Mira Mirić")
    db.session.add(ErasureRequest(user_id=person.id, requested_at=datetime.combine(date(2026, 1, 5), datetime.min.time())))
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    auth.login("admin@example.org")
    assert "Mira Mirić" in client.get("/admin/erasure-requests").get_data(as_text=True)


def test_parallel_completions_erase_once(parallel_app):
    person, _enrolment, _certificate = _person_with_history()
    erasure = ErasureRequest(user_id=person.id)
    db.session.add(erasure)
    admins = [UserFactory(roles=[Role.INSTITUTE_ADMIN]) for _ in range(4)]
    db.session.commit()
    url = f"/admin/erasure-requests/{erasure.id}/complete"
    posts = [(signed_in(parallel_app, admin.email), url, None) for admin in admins]
    assert sorted(post_at_once(posts)) == [302] + [404] * 3
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == AuditAction.ERASURE_COMPLETED)) == 1


def test_two_admins_erasing_each_other_leave_one(parallel_app):
    admins = [UserFactory(roles=[Role.INSTITUTE_ADMIN]) for _ in range(2)]
    clients = [signed_in(parallel_app, admin.email) for admin in admins]  # before the requests close their sessions
    erasures = [ErasureRequest(user_id=admin.id) for admin in admins]
    db.session.add_all(erasures)
    db.session.commit()
    posts = [(client, f"/admin/erasure-requests/{erasure.id}/complete", None)
             for client, erasure in zip(clients, reversed(erasures))]
    # The second is refused (409), or if it began after the first finished, its admin was already
    # erased and signed out, and is sent to the sign-in page (302).
    assert sorted(post_at_once(posts)) in ([302, 302], [302, 409])
    assert len(users_with_role(Role.INSTITUTE_ADMIN)) == 1
    assert db.session.scalar(select(func.count()).select_from(ErasureRequest)
                             .where(ErasureRequest.completed_at.is_not(None))) == 1
