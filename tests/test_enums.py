"""Fixed choices carry their labels in one place, and enum columns hold members while the database keeps values."""

import pytest
from flask_babel import force_locale
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from learnhub.courses.models import Enrolment, EnrolmentStatus
from learnhub.enums import LabelledEnum
from learnhub.extensions import db
from learnhub.i18n import _l
from tests.factories import EnrolmentFactory


def test_an_enum_missing_a_label_fails_when_it_is_defined():
    with pytest.raises(TypeError, match="__labels__"):
        class Colour(LabelledEnum):
            RED = "red"
            GREEN = "green"

            __labels__ = {RED: _l("Red")}


def test_labels_are_translated_when_read_and_offered_as_choices_in_order(app):
    with force_locale("sr_Latn"):
        assert EnrolmentStatus.PENDING.label == "Čeka odobrenje"
        assert EnrolmentStatus.choices()[0] == ("pending", "Čeka odobrenje")
    with force_locale("en"):
        assert [value for value, _label in EnrolmentStatus.choices()] == [s.value for s in EnrolmentStatus]
        assert EnrolmentStatus.ENROLLED.label == "Enrolled"


def test_an_enum_column_reads_back_a_member_and_stores_its_value(app):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.WAITLISTED)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.WAITLISTED
    stored = db.session.execute(text("SELECT status FROM enrolment WHERE id = :id"), {"id": enrolment.id}).scalar()
    assert stored == "waitlisted"


def test_a_value_no_member_has_is_refused_before_it_reaches_the_database(app):
    enrolment = EnrolmentFactory()
    db.session.commit()
    enrolment.status = "waiting"
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.ENROLLED
