"""CPD points fall in licence periods by the date people saw on the institute's clock (LEARNHUB_TIMEZONE)."""

from datetime import date, datetime

import pytest

from learnhub.certification import services
from learnhub.errors import Conflict
from learnhub.people.models import Role
from tests.factories import EnrolmentFactory, UserFactory, certificate_for

# 00:30 on 1 January 2030 in Belgrade, still 2029 in UTC; licence periods run 2024–2029 and 2030–2035.
NEW_YEAR_IN_BELGRADE = datetime(2029, 12, 31, 23, 30)


def test_a_certificate_issued_just_after_midnight_on_new_year_counts_in_the_new_period(app):
    user = UserFactory()
    certificate_for(EnrolmentFactory(user=user), issued_at=NEW_YEAR_IN_BELGRADE, cpd_points=8)
    record = services.cpd_record(user, date(2030, 6, 1))
    assert [(y.year, y.from_certificates) for y in record.years] == [(2030, 8)]
    assert (record.period_start, record.period_end, record.period_total) == (2030, 2035, 8)
    assert services.cpd_record(user, date(2029, 6, 1)).period_total == 0


def test_the_year_follows_the_institutes_time_zone(make_app):
    with make_app(LEARNHUB_TIMEZONE="America/New_York").app_context():
        user = UserFactory()
        certificate_for(EnrolmentFactory(user=user), issued_at=datetime(2030, 1, 1, 3), cpd_points=8)  # 22:00 on 31 Dec
        assert [y.year for y in services.cpd_record(user, date(2030, 6, 1)).years] == [2029]


def test_today_is_the_institutes_date(app):
    assert services.institute_today(NEW_YEAR_IN_BELGRADE) == date(2030, 1, 1)
    assert services.institute_today(datetime(2030, 1, 1, 12)) == date(2030, 1, 1)


def test_an_activity_the_day_before_the_certificate_does_not_count_towards_renewing_it(app):
    """Issued on 1 January as the holder saw it: an activity on 31 December came before it."""
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    enrolment = EnrolmentFactory()
    enrolment.version.certification = {"validity_months": 24, "renewal_cpd_points": 10}
    certificate = certificate_for(enrolment, issued_at=NEW_YEAR_IN_BELGRADE, expires_at=datetime(2031, 12, 31, 23, 30))
    for day in (date(2029, 12, 31), date(2030, 1, 1)):
        activity = services.add_cpd_activity(enrolment.user, "Supervision", 5, day, date(2030, 1, 2))
        services.approve_cpd_activity(admin, activity.id)
    with pytest.raises(Conflict, match="5 of 10"):
        services.renew_by_cpd(admin, certificate, now=datetime(2031, 12, 1))
