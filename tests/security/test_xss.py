"""Stored XSS: a payload corpus in every name and free-text field, then every page that can show them
(every GET route in the access matrix, as every role that may see it, in Latin and Cyrillic script)
must contain no active content: no script but htmx, no on* handlers, no javascript:/data: URLs."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.certification.models import CpdActivity
from learnhub.courses.models import Cohort, CohortSession, Enrolment, Evaluation
from learnhub.curriculum.models import LearningSetVersion, Module
from learnhub.errors import InvalidInput
from learnhub.extensions import db
from learnhub.mentoring.models import (
    ImplementationPlan,
    MentorDayOff,
    MentoringEvaluation,
    MentoringProgramme,
    MentoringSession,
    PlanAction,
    SessionNote,
)
from learnhub.people.models import Municipality, Organisation, User
from learnhub.timeutil import utcnow
from tests.access_matrix import MATRIX, ROLES
from tests.access_world import build_world
from tests.factories import PASSWORD, CohortFactory
from tests.security.html_safety import active_content

# Each bundle fits the shortest field (120 characters); together they cover tags, event handlers,
# attribute breaking with both quotes, closing the surrounding element, URL schemes, mutation-XSS
# shapes, Unicode look-alikes and direction marks, entities that must not be decoded, and template
# syntax that must not be evaluated.
BUNDLES = [
    '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)>',
    '" autofocus onfocus="alert(1)\' onmouseover=\'alert(2)</textarea></title><script>alert(3)</script>',
    '<a href="javascript:alert(1)">a</a><a href=" jav&#x09;ascript:alert(2)">b</a><a href="data:text/html,x">c</a>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe><math><mtext><table><mglyph><style><img src=x onerror=alert(2)>',
    '＜script＞alert(1)＜/script＞\u202e<scr\u200bipt>alert(2)</script>\u2028<body onload=alert(3)>',
    "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*'7' }}{% print(8*'8') %}${7*7}<!--<script>alert(2)//-->",
]
# Markdown-specific: links and images with dangerous schemes, raw HTML, autolinks breaking attributes.
MARKDOWN = ('\n\n[a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) ![c](data:text/html,<script>alert(3)</script>) '
            '[d](jav&#x09;ascript:alert(4)) <https://x.org/"onmouseover="alert(5)> <a href="javascript:alert(6)">e</a>'
            '\n\n<script>alert(7)</script>\n\n[f]: javascript:alert(8)\n\n[g][f]')
ROLES_AND_MEMBER = [*ROLES, "member"]


def poison_world(payload: str, locales: dict[str, str]) -> tuple[dict[str, str], dict]:
    """Organisation A's world (tests/access_world.py) with `payload` in every name and free-text field."""
    emails, ids = build_world()
    emails["member"] = db.session.get(User, ids["user_id"]).email
    languages = {"en": payload, "sr_Latn": payload, "bs": payload}
    for user in db.session.scalars(select(User)):
        user.display_name = payload
    for role, email in emails.items():
        db.session.scalar(select(User).where(User.email == email)).preferred_language = locales[role]
    for organisation in db.session.scalars(select(Organisation)):
        organisation.name = payload
    for municipality in db.session.scalars(select(Municipality)):
        municipality.name = f"{payload}{municipality.id}"  # unique per country
    for version in db.session.scalars(select(LearningSetVersion)):
        version.title, version.summary = dict(languages), dict(languages)
    for module in db.session.scalars(select(Module)):
        module.title = dict(languages)
        module.body = {language: payload + MARKDOWN for language in languages}
        module.outcomes = {"en": [payload]}
    link = "https://example.org/?q=" + payload  # services accept only http(s) links: the rest is the payload
    for cohort in db.session.scalars(select(Cohort)):
        cohort.name = payload
    for session in db.session.scalars(select(CohortSession)):
        session.place, session.online_url = payload, link
    for enrolment in db.session.scalars(select(Enrolment)):
        enrolment.reason = payload
    for programme in db.session.scalars(select(MentoringProgramme)):
        programme.name = payload
    group = db.session.get(MentoringSession, ids["mentoring_session_id"])
    group.place, group.online_url, group.agenda = payload, link, payload
    member_id = ids["user_id"]
    db.session.add_all([
        SessionNote(session_id=group.id, author_id=group.mentor_id, body=payload, is_shared=True),
        ImplementationPlan(programme_id=ids["programme_id"], organisation_id=ids["organisation_id"], goals=payload,
                           challenges=payload, involvement_strategies=payload,
                           actions=[PlanAction(description=payload, owner=payload, due_on=utcnow().date())]),
        Evaluation(cohort_id=ids["cohort_id"], user_id=member_id, accessibility=5, usefulness=4, quality=3,
                   comment=payload),
        MentoringEvaluation(session_id=group.id, user_id=member_id, accessibility=5, usefulness=4, quality=3,
                            comment=payload),
        MentorDayOff(mentor_id=group.mentor_id, first_day=utcnow().date() + timedelta(days=40),
                     last_day=utcnow().date() + timedelta(days=41), note=payload),
    ])
    for activity in db.session.scalars(select(CpdActivity)):
        activity.title = payload
    CohortFactory(version=db.session.get(Cohort, ids["cohort_id"]).version, name=payload)  # in the catalogue too
    db.session.commit()
    return emails, ids


def _pages_for(role: str, ids: dict) -> list[str]:
    """Every GET page this role may see (members see what any signed-in user sees, and their own)."""
    pages = []
    for (_endpoint, method), (url, _data, expected) in MATRIX.items():
        if method == "GET" and (role == "member" or expected[role] == 200):
            pages.append(url.format(**ids))
    return pages


@pytest.mark.parametrize("bundle", range(len(BUNDLES)))
def test_no_page_shows_active_content_from_stored_input(client, bundle):
    # Half the roles read Cyrillic (transliterated output is a path of its own), swapped between bundles.
    locales = {role: ("sr_Cyrl" if (index + bundle) % 2 else "en") for index, role in enumerate(ROLES_AND_MEMBER)}
    emails, ids = poison_world(BUNDLES[bundle], locales)
    problems, checked = [], 0
    for role in ROLES_AND_MEMBER:
        client.post("/auth/logout")
        if role != "anonymous":
            assert client.post("/auth/login", data={"email": emails[role], "password": PASSWORD}).status_code == 302
        for page in _pages_for(role, ids):
            response = client.get(page)
            if response.mimetype != "text/html":
                continue
            checked += 1
            html = response.get_data(as_text=True)
            problems += [f"{role} {page}: {problem}" for problem in active_content(html)]
            if "7777777" in html or "88888888" in html:
                problems.append(f"{role} {page}: template syntax in stored text was evaluated")
    assert checked > 100
    assert problems == []


def test_the_payload_is_shown_as_text(client):
    """Escaping, not deletion: the visitor sees exactly what was typed."""
    emails, ids = poison_world(BUNDLES[0], {role: "en" for role in ROLES_AND_MEMBER})
    client.post("/auth/login", data={"email": emails["trainer"], "password": PASSWORD})
    html = client.get(f"/trainer/cohorts/{ids['cohort_id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html


@pytest.mark.parametrize("link", ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,<script>x</script>",
                                  "JAVASCRIPT:alert(1)", "vbscript:msgbox(1)", "//evil.example/x"])
def test_online_links_must_be_web_addresses(app, link):
    from learnhub.courses.services import add_session

    cohort = CohortFactory()
    with pytest.raises(InvalidInput):
        add_session(cohort, utcnow() + timedelta(days=40), utcnow() + timedelta(days=40, hours=2), "", link)


@pytest.mark.parametrize("html, found", [
    ('<script src="/static/htmx.min.js?v=1" defer></script><p>&lt;script&gt;</p>', []),
    ('<script>alert(1)</script>', ["script {}", "inline script: 'alert(1)'"]),
    ('<a href=" jav&#x09;ascript:alert(1)">x</a>', ["<a href=' jav\\tascript:alert(1)'>"]),
    ('<img src=x onerror=alert(1)>', ["<img onerror='alert(1)'>"]),
    ('<div hx-on:click="alert(1)"></div>', ["<div hx-on:click='alert(1)'>"]),
])
def test_the_checker_finds_active_content(html, found):
    assert active_content(html) == found
