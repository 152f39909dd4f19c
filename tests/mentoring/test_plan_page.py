"""An implementation plan takes as many actions as the organisation needs, without losing what was typed."""

import re

from learnhub.extensions import db
from learnhub.mentoring import plans
from learnhub.people.models import MembershipRole
from tests.factories import PASSWORD, OrganisationFactory, ProgrammeFactory, member_of


def _action_rows(page: str) -> int:
    return len(re.findall(r'name="actions-\d+-description"', page))


def test_add_action_gives_another_row_and_keeps_everything_typed(client, auth):
    organisation = OrganisationFactory()
    programme = ProgrammeFactory(organisation=organisation)
    boss = member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    db.session.commit()
    auth.login("boss@example.org", PASSWORD)
    url = f"/mentoring/programmes/{programme.id}/plans/{organisation.id}"
    page = client.get(url).get_data(as_text=True)
    assert _action_rows(page) == 1 and 'name="add_action"' in page
    based_on = re.search(r'name="based_on" type="hidden" value="([^"]*)"', page).group(1)
    typed = {"goals": "Involve parents", "status": "in_progress", "based_on": based_on,
             "actions-0-description": "Parents' evening", "actions-0-owner": "Mira", "actions-0-due_on": "2031-03-01"}
    more = client.post(url, data={**typed, "add_action": "1"})
    text = more.get_data(as_text=True)
    assert more.status_code == 200 and _action_rows(text) == 2
    assert "Involve parents</textarea>" in text and 'value="Parents&#39; evening"' in text and 'value="Mira"' in text
    assert plans.plan_history(plans.plan_for(boss, programme, organisation.id)) == []  # nothing saved yet
    saved = client.post(url, data={**typed, "actions-1-description": "Visit", "actions-1-owner": "Ivo", "actions-1-due_on": "2031-04-01"})
    assert saved.status_code == 302, re.findall(r"class=\"(?:error|form-errors)[^>]*>(.*?)</", saved.get_data(as_text=True), re.DOTALL)
    db.session.expire_all()
    assert [a.description for a in plans.plan_for(boss, programme, organisation.id).actions] == [
        "Parents' evening", "Visit"]
