"""Every figure checked against the hand-built world in conftest.py."""

from datetime import date

import pytest

from learnhub.people.models import ServiceType
from learnhub.reports import queries
from learnhub.reports.scope import ReportFilter, ReportScope, ScopeKind
from learnhub.reports.services import MonthRow, PlaceRow, build_report
from learnhub.timeutil import utcnow

YEAR_2025 = ReportFilter(since=date(2025, 1, 1), until=date(2025, 12, 31))
INSTITUTE = ReportScope(ScopeKind.INSTITUTE, 0, "Institute")


def test_training_counts_people_once_and_leaves_out_withdrawn_waitlisted_and_other_years(world):
    total = queries.training(YEAR_2025, INSTITUTE)[0]
    # Ana, Bojan (twice, for two organisations) and Dragana; Vesna withdrew, Goran waits, Nikola was in 2024.
    assert (total.participants, total.organisations, total.municipalities, total.enrolments) == (3, 2, 2, 4)
    assert (total.withdrawn, total.waitlisted, total.pending) == (1, 1, 0)


def test_a_revoked_certificate_is_not_a_completion(world):
    assert queries.training(YEAR_2025, INSTITUTE)[0].completions == 2  # Ana and Dragana, not Bojan


def test_certificates_issued_in_the_period_and_where_they_stand(world):
    figures = queries.certificates(YEAR_2025, INSTITUTE, utcnow())[0]
    assert (figures.issued, figures.valid, figures.expiring, figures.expired, figures.revoked) == (3, 2, 1, 0, 1)
    assert figures.cpd_points == 20  # the revoked certificate's points do not count


def test_attendance_rate_is_present_marks_over_all_marks(world):
    totals = queries.attendance(YEAR_2025, INSTITUTE)
    assert (totals.marked, totals.present, totals.rate) == (4, 3, 0.75)


def test_mentoring_counts_held_sessions_and_hours_by_kind(world):
    figures = queries.mentoring_sessions(YEAR_2025, INSTITUTE, utcnow())[0]
    assert (figures.group_sessions, figures.individual_sessions) == (1, 1)  # cancelled and future ones left out
    assert (figures.group_hours, figures.individual_hours) == (2.0, 1.0)


def test_mentoring_reach_counts_people_who_attended_and_their_organisations(world):
    reach = queries.mentees(YEAR_2025, INSTITUTE, utcnow())[0]
    # Goran was invited but did not come; Bojan's two organisations both count as reached.
    assert (reach.people, reach.group_people, reach.organisations, reach.municipalities) == (3, 2, 2, 2)


def test_evaluations_average_and_distribution_with_response_counts(world):
    cohorts = queries.cohort_evaluations(YEAR_2025, INSTITUTE)
    assert cohorts.responses == 2
    assert cohorts.averages["quality"] == 4.5
    assert cohorts.distributions["quality"] == [0, 0, 0, 1, 1]
    mentoring = queries.mentoring_evaluations(YEAR_2025, INSTITUTE)
    assert (mentoring.responses, mentoring.averages["quality"]) == (1, 3.0)


def test_quality_across_surveys_weights_each_answer_equally(world):
    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    assert report.quality == (4.0, 3)


def test_municipality_rows_count_a_person_in_each_of_their_organisations(world):
    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    table = report.tables["municipalities"]
    rows = {row.place: row for row in table.rows}
    for place in ("Užice", "Sjenica"):
        assert rows[place] == PlaceRow(place=place, organisations_trained=1, participants=2, enrolments=2,
                                       completions=1, certificates_valid=1, people_mentored=2,
                                       organisations_mentored=1)
    assert sum(row.participants for row in table.rows) > report.training.participants  # Bojan is in both rows


def test_service_type_rows_follow_each_service_an_organisation_offers(world):
    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    rows = {row.place: row for row in report.tables["service_types"].rows}

    def trained(service: ServiceType) -> tuple[int, int, int]:
        row = rows[service.label]
        return row.organisations_trained, row.participants, row.enrolments

    assert trained(ServiceType.DAY_CARE_CHILDREN_DISABILITIES) == (2, 3, 4)
    assert trained(ServiceType.FAMILY_COUNSELLING) == (1, 2, 2)
    assert trained(ServiceType.HOME_HELP) == (0, 0, 0)  # Vesna withdrew


def test_months_are_continuous_with_zeros_between(world):
    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    months = {row.month: row for row in report.tables["months"].rows}
    assert list(months)[:4] == ["2025-03", "2025-04", "2025-05", "2025-06"]
    assert (months["2025-03"].participants_starting, months["2025-03"].enrolments) == (2, 2)
    assert months["2025-04"] == MonthRow(month="2025-04", participants_starting=0, enrolments=0,
                                         certificates_issued=0, mentoring_sessions=2, mentoring_hours=3.0)
    assert months["2025-06"].certificates_issued == 2


def test_learning_set_rows(world):
    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    rows = {row.learning_set: row for row in report.tables["learning_sets"].rows}
    first = rows[world.first_set.title["en"]]
    assert (first.participants, first.organisations_trained, first.enrolments, first.completions) == (2, 1, 2, 1)
    second = rows[world.second_set.title["en"]]
    assert (second.participants, second.completions, second.waitlisted) == (2, 1, 1)


@pytest.mark.parametrize(("filters", "participants", "enrolments"), [
    (ReportFilter(), 4, 5),  # all time: Nikola too
    (ReportFilter(since=date(2025, 1, 1), until=date(2025, 3, 31)), 2, 2),
    (ReportFilter(since=date(1, 1, 1), until=date(9999, 12, 31)), 4, 5),  # the first and last days there are
    (ReportFilter(municipality_id=-1), 0, 0),
])
def test_period_and_place_filters(world, filters, participants, enrolments):
    total = queries.training(filters, INSTITUTE)[0]
    assert (total.participants, total.enrolments) == (participants, enrolments)


def test_filter_by_municipality_service_type_organisation_learning_set_and_programme(world):
    by_sjenica = queries.training(ReportFilter(municipality_id=world.sjenica.id), INSTITUTE)[0]
    assert (by_sjenica.participants, by_sjenica.enrolments) == (2, 2)
    by_service = queries.training(ReportFilter(service_type=ServiceType.HOME_HELP), INSTITUTE)[0]
    assert (by_service.participants, by_service.withdrawn) == (1, 1)  # Nikola in 2024; Vesna withdrew
    by_organisation = queries.training(ReportFilter(organisation_id=world.day_care.id), INSTITUTE)[0]
    assert by_organisation.participants == 2
    by_set = queries.training(ReportFilter(learning_set_id=world.second_set.learning_set_id), INSTITUTE)[0]
    assert by_set.enrolments == 2
    by_programme = queries.training(ReportFilter(programme_id=world.programme.id), INSTITUTE)[0]
    assert by_programme.participants == 3  # day care and Savetovalište people; not home help
    mentoring_in_sjenica = queries.mentees(ReportFilter(municipality_id=world.sjenica.id), INSTITUTE, utcnow())[0]
    assert (mentoring_in_sjenica.people, mentoring_in_sjenica.organisations) == (2, 1)  # Bojan and Dragana


def test_organisation_scope_sees_only_its_own_people(world):
    scope = ReportScope(ScopeKind.ORGANISATION, world.day_care.id, "Dnevni boravak")
    assert queries.training(YEAR_2025, scope)[0].participants == 2
    assert queries.certificates(YEAR_2025, scope, utcnow())[0].issued == 1  # Ana's; Bojan's was for Savetovalište
    # Even when asking for another organisation, nothing outside the scope shows.
    other = ReportFilter(organisation_id=world.counselling.id)
    assert queries.training(other, scope)[0].participants == 0
    assert queries.mentees(other, scope, utcnow())[0].people == 0


def test_trainer_scope_covers_their_cohorts_and_no_mentoring(world):
    scope = ReportScope(ScopeKind.TRAINER, world.trainer.id, "My cohorts")
    total = queries.training(YEAR_2025, scope)[0]
    assert (total.participants, total.waitlisted) == (2, 1)
    report = build_report(scope, YEAR_2025, utcnow())
    assert report.mentoring is None and "Mentoring sessions held" not in report.tables["months"].columns


def test_mentor_scope_covers_their_programmes(world):
    scope = ReportScope(ScopeKind.MENTOR, world.mentor.id, "My programmes")
    assert queries.mentoring_sessions(YEAR_2025, scope, utcnow())[0].group_sessions == 1
    assert queries.training(YEAR_2025, scope)[0].participants == 3
    stranger = ReportScope(ScopeKind.MENTOR, world.trainer.id, "None")
    assert queries.mentoring_sessions(YEAR_2025, stranger, utcnow())[0].group_sessions == 0


def test_narrative_states_the_figures(world):
    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    assert report.narrative.startswith(
        "In 2025, 3 participants from 2 organisations in 2 municipalities took part in training (4 enrolments).")
    assert "Mentors held 2 mentoring sessions (3 hours) with 3 people from 2 organisations in 2 municipalities." \
        in report.narrative
    assert "Participants rated quality 4 out of 5 (3 responses)." in report.narrative


@pytest.mark.parametrize(("language", "opening"), [
    ("sr_Latn", "U 2025. godini, obuke su obuhvatile 3 polaznika iz 2 organizacije u 2 opštine (4 upisa)."),
    ("sr_Cyrl", "У 2025. години, обуке су обухватиле 3 полазника из 2 организације у 2 општине (4 уписа)."),
    ("bs", "U 2025. godini, obuke su obuhvatile 3 polaznika iz 2 organizacije u 2 općine (4 upisa)."),
])
def test_narrative_in_the_readers_language(world, app, language, opening):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(language):
        assert build_report(INSTITUTE, YEAR_2025, utcnow()).narrative.startswith(opening)


def test_narrative_counts_one_certificate_and_one_hour_in_the_singular(world):
    from dataclasses import replace

    from learnhub.reports.services import narrative

    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    one = replace(report, training=replace(report.training, completions=1),
                  certificates=replace(report.certificates, issued=1, valid=1),
                  mentoring=replace(report.mentoring, group_sessions=1, individual_sessions=0, group_hours=1.0,
                                    individual_hours=0.0))
    text = narrative(one)
    assert "1 enrolment ended with a certificate; 1 certificate was issued (1 valid today)." in text
    assert "Mentors held 1 mentoring session (1 hour) with" in text
    assert "(2.5 hours)" in narrative(replace(one, mentoring=replace(one.mentoring, group_hours=2.5)))


def test_narrative_leaves_out_clauses_with_nothing_to_say(world):
    from dataclasses import replace

    from learnhub.reports.services import narrative

    report = build_report(INSTITUTE, YEAR_2025, utcnow())
    quiet = replace(report, training=replace(report.training, participants=0, organisations=0, municipalities=0,
                                             enrolments=0, completions=0),
                    certificates=replace(report.certificates, issued=0, valid=0),
                    mentoring=replace(report.mentoring, group_sessions=0, individual_sessions=0, group_hours=0.0,
                                      individual_hours=0.0),
                    mentees=replace(report.mentees, people=0, organisations=0, municipalities=0))
    text = narrative(quiet)
    assert text.startswith("In 2025, nobody took part in training.")
    assert "Mentors held" not in text and "certificate" not in text and " 0 " not in text
    # Certificates issued to earlier enrolments are still said when no enrolment of the period completed.
    issued = narrative(replace(quiet, certificates=replace(quiet.certificates, issued=2, valid=2)))
    assert "2 certificates were issued (2 valid today)." in issued and "0 enrolments" not in issued
