import pytest

from learnhub.curriculum.certification_rule import NEW_RULE, CertificationRule
from learnhub.curriculum.forms import LearningSetForm
from learnhub.errors import InvalidInput


def test_a_stored_rule_missing_a_key_asks_for_nothing_there():
    rule = CertificationRule.from_mapping({"min_attendance_percent": 75, "unknown": 1})
    assert rule == CertificationRule(min_attendance_percent=75)
    assert (rule.require_all_modules, rule.min_mentoring_sessions, rule.validity_months) == (False, 0, None)


def test_the_stored_mapping_names_every_field_and_optional_ones_only_when_set():
    assert NEW_RULE.to_mapping() == {"min_attendance_percent": 80, "require_all_modules": True,
                                     "min_mentoring_sessions": 0, "mentoring_within_months": None,
                                     "requires_assessment": False, "validity_months": None}
    renewable = CertificationRule(validity_months=24, renewal_cpd_points=10)
    assert CertificationRule.from_mapping(renewable.to_mapping()) == renewable


@pytest.mark.parametrize("changes", [{"min_attendance_percent": 101}, {"min_mentoring_sessions": -1},
                                     {"validity_months": 0}, {"renewal_cpd_points": 0}])
def test_numbers_outside_their_range_are_refused(app, changes):
    with pytest.raises(InvalidInput, match="outside the allowed range"):
        CertificationRule(**changes).checked()


def test_the_rule_needs_attendance_rounded_up():
    assert CertificationRule(min_attendance_percent=80).needed_sessions(8) == 7


def test_the_authoring_form_has_a_field_for_every_part_of_the_rule(app):
    with app.test_request_context(method="POST"):
        form = LearningSetForm()
        form.show_rule(CertificationRule(min_mentoring_sessions=2, renewal_cpd_points=5))
        assert form.rule() == CertificationRule(min_mentoring_sessions=2, renewal_cpd_points=5)
