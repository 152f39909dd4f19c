"""iCalendar output read back by two independent parsers (icalendar, vobject) and a CalDAV server."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from learnhub.ical import (
    PRODID,
    Attendee,
    CalendarEvent,
    Person,
    as_calendar_object,
    event_from_data,
    event_to_data,
    feed,
    feed_bytes,
    invitation,
    to_bytes,
)
from tests.caldav import RadicaleServer

WINTER_0800_UTC = datetime(2027, 1, 18, 8, 0)  # 09:00 in Belgrade (CET, UTC+1)
SUMMER_0800_UTC = datetime(2027, 7, 5, 8, 0)  # 10:00 in Belgrade (CEST, UTC+2)
STAMP = datetime(2027, 1, 10, 12, 0)
MENTOR = Person("Amra Mentor", "mentor@example.org")
MENTEE = Person("Nikola Mentee", "mentee@example.org")
PLATFORM = "noreply@learnhub.example"
EVIL = "mailto:evil@example.org"


def make_event(**overrides) -> CalendarEvent:
    fields = dict(
        uid="session-42@learnhub.example", sequence=0,
        starts_at=WINTER_0800_UTC, ends_at=WINTER_0800_UTC + timedelta(hours=1),
        summary="Individual mentoring: Dnevni boravak", description="Agenda",
        location="Sala 2, Ruma", url="https://learnhub.example/mentoring/sessions/42",
        organizer=MENTOR, sent_by=PLATFORM,
        attendees=(Attendee(MENTEE, partstat="ACCEPTED"),),
    )
    return CalendarEvent(**{**fields, **overrides})


def moved(event: CalendarEvent) -> CalendarEvent:
    """The same session a day later at 14:00 UTC: a significant change, so SEQUENCE goes up."""
    later = event.starts_at + timedelta(days=1, hours=6)
    return replace(event, sequence=event.sequence + 1, starts_at=later, ends_at=later + timedelta(hours=1))


def parse_both(data: bytes):
    return icalendar.Calendar.from_ical(data), vobject.readOne(data.decode())


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


# --- invitations ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("starts_at, offset, abbreviation", [
    (WINTER_0800_UTC, timedelta(hours=1), "CET"),
    (SUMMER_0800_UTC, timedelta(hours=2), "CEST"),
])
def test_invitation_times_are_in_the_event_zone_with_its_vtimezone(starts_at, offset, abbreviation):
    event = make_event(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90))
    ours, theirs = parse_both(to_bytes(invitation(event, "REQUEST", STAMP)))

    [vevent] = ours.walk("VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Belgrade"
    assert vevent.decoded("DTSTART").utcoffset() == offset
    assert vevent.decoded("DTSTART") == utc(starts_at)
    assert vevent.decoded("DTEND") == utc(starts_at + timedelta(minutes=90))
    assert vevent.decoded("DTSTAMP") == utc(STAMP)
    assert [tz["TZID"] for tz in ours.walk("VTIMEZONE")] == ["Europe/Belgrade"]

    # vobject resolves TZID through the VTIMEZONE we sent, not through its own zone database.
    assert theirs.vevent.dtstart.value.tzname() == abbreviation
    assert theirs.vevent.dtstart.value.utcoffset() == offset
    assert theirs.vevent.dtstart.value == utc(starts_at)
    assert theirs.vevent.dtend.value == utc(starts_at + timedelta(minutes=90))
    assert theirs.vtimezone.tzid.value == "Europe/Belgrade"


WINTER_2026_0800_UTC = datetime(2026, 12, 14, 8, 0)  # 09:00 in Belgrade (CET)


@pytest.mark.parametrize("order", [
    [(SUMMER_0800_UTC, timedelta(hours=2)), (WINTER_2026_0800_UTC, timedelta(hours=1))],
    [(WINTER_2026_0800_UTC, timedelta(hours=1)), (SUMMER_0800_UTC, timedelta(hours=2))],
])
def test_invitations_read_in_either_order_in_one_process_keep_their_offsets(monkeypatch, order):
    # vobject keeps the first VTIMEZONE it reads for a TZID, as Outlook builds its zone from the first
    # invitation; start each order from an empty cache, as a fresh process would.
    monkeypatch.setattr(vobject.icalendar, "__tzidMap", {"UTC": vobject.icalendar.getTzid("UTC")})
    for starts_at, offset in order:
        data = to_bytes(invitation(make_event(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)),
                                   "REQUEST", STAMP))
        assert b"only works" not in data
        parsed = vobject.readOne(data.decode())
        assert parsed.vevent.dtstart.value.utcoffset() == offset
        assert parsed.vevent.dtstart.value == utc(starts_at)


ZONES = ["Europe/Belgrade", "America/New_York", "Australia/Sydney", "Europe/Dublin", "Asia/Kolkata", "Asia/Tokyo",
         "America/Sao_Paulo", "Pacific/Chatham", "Asia/Jerusalem", "Africa/Casablanca", "UTC"]


@pytest.mark.parametrize("zone", ZONES)
def test_every_invitation_of_a_zone_carries_one_definition_that_holds_for_years(monkeypatch, zone):
    monkeypatch.setattr(vobject.icalendar, "__tzidMap", {"UTC": vobject.icalendar.getTzid("UTC")})
    moments = [datetime(2026, 1, 1, 12) + timedelta(days=days) for days in range(0, 10 * 366, 29)]
    definitions = set()
    for moment in moments:
        data = to_bytes(invitation(make_event(starts_at=moment, ends_at=moment + timedelta(hours=1), time_zone=zone),
                                   "REQUEST", STAMP))
        calendar = icalendar.Calendar.from_ical(data)
        definitions.add(b"".join(tz.to_ical() for tz in calendar.walk("VTIMEZONE")))
        start = vobject.readOne(data.decode()).vevent.dtstart.value
        assert start == utc(moment)
        if calendar.walk("VTIMEZONE"):  # else in UTC: zones whose rules a VTIMEZONE cannot carry
            assert start.utcoffset() == utc(moment).astimezone(ZoneInfo(zone)).utcoffset()
    assert len(definitions) == 1  # the same whatever the date: the zone's rules, not some years' dates
    [definition] = definitions
    assert b"only works" not in definition and b"RDATE" not in definition


def test_request_carries_the_itip_header_and_event_fields():
    ours, theirs = parse_both(to_bytes(invitation(make_event(), "REQUEST", STAMP)))

    assert (ours["PRODID"], ours["VERSION"], ours["CALSCALE"], ours["METHOD"]) == (
        PRODID, "2.0", "GREGORIAN", "REQUEST")
    [vevent] = ours.walk("VEVENT")
    assert vevent["UID"] == "session-42@learnhub.example" and vevent["SEQUENCE"] == 0
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["SUMMARY"] == "Individual mentoring: Dnevni boravak"
    assert vevent["LOCATION"] == "Sala 2, Ruma"  # the comma is escaped on the way out and back in
    assert vevent["URL"] == "https://learnhub.example/mentoring/sessions/42"

    assert theirs.method.value == "REQUEST" and theirs.prodid.value == PRODID
    assert theirs.vevent.uid.value == "session-42@learnhub.example" and theirs.vevent.sequence.value == "0"
    assert theirs.vevent.status.value == "CONFIRMED" and theirs.vevent.location.value == "Sala 2, Ruma"


def test_request_names_the_organizer_sent_by_the_platform_and_each_attendee():
    event = make_event(attendees=(
        Attendee(MENTEE, partstat="ACCEPTED"),
        Attendee(Person("Ana Optional", "ana@example.org"), role="OPT-PARTICIPANT", rsvp=False),
    ))
    ours, theirs = parse_both(to_bytes(invitation(event, "REQUEST", STAMP)))

    [vevent] = ours.walk("VEVENT")
    organizer = vevent["ORGANIZER"]
    assert organizer == "mailto:mentor@example.org"
    assert organizer.params["CN"] == "Amra Mentor" and organizer.params["SENT-BY"] == f"mailto:{PLATFORM}"
    assert [(a, a.params["CN"], a.params["ROLE"], a.params["PARTSTAT"], a.params["RSVP"])
            for a in vevent["ATTENDEE"]] == [
        ("mailto:mentee@example.org", "Nikola Mentee", "REQ-PARTICIPANT", "ACCEPTED", "TRUE"),
        ("mailto:ana@example.org", "Ana Optional", "OPT-PARTICIPANT", "NEEDS-ACTION", "FALSE"),
    ]

    assert theirs.vevent.organizer.value == "mailto:mentor@example.org"
    assert theirs.vevent.organizer.params["SENT-BY"] == [f"mailto:{PLATFORM}"]
    assert [(a.value, a.params["CN"], a.params["ROLE"], a.params["PARTSTAT"], a.params["RSVP"])
            for a in theirs.vevent.attendee_list] == [
        ("mailto:mentee@example.org", ["Nikola Mentee"], ["REQ-PARTICIPANT"], ["ACCEPTED"], ["TRUE"]),
        ("mailto:ana@example.org", ["Ana Optional"], ["OPT-PARTICIPANT"], ["NEEDS-ACTION"], ["FALSE"]),
    ]


def test_updated_request_keeps_the_uid_with_a_higher_sequence_and_the_new_times():
    update = moved(make_event())
    ours, theirs = parse_both(to_bytes(invitation(update, "REQUEST", STAMP)))

    [vevent] = ours.walk("VEVENT")
    assert vevent["UID"] == "session-42@learnhub.example" and vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTART") == utc(datetime(2027, 1, 19, 14, 0))
    assert vevent.decoded("DTEND") == utc(datetime(2027, 1, 19, 15, 0))
    assert theirs.vevent.uid.value == "session-42@learnhub.example" and theirs.vevent.sequence.value == "1"
    assert theirs.vevent.dtstart.value == utc(datetime(2027, 1, 19, 14, 0))


def test_cancel_keeps_the_uid_and_says_cancelled():
    cancelled = replace(moved(make_event()), sequence=2, cancelled=True)
    ours, theirs = parse_both(to_bytes(invitation(cancelled, "CANCEL", STAMP)))

    [vevent] = ours.walk("VEVENT")
    assert ours["METHOD"] == "CANCEL"
    assert (vevent["UID"], vevent["SEQUENCE"], vevent["STATUS"]) == (
        "session-42@learnhub.example", 2, "CANCELLED")
    assert vevent["ATTENDEE"] == "mailto:mentee@example.org"  # whose copy is cancelled
    assert theirs.method.value == "CANCEL" and theirs.vevent.status.value == "CANCELLED"
    assert theirs.vevent.uid.value == "session-42@learnhub.example"


def test_cancel_method_alone_marks_the_event_cancelled():
    ours = icalendar.Calendar.from_ical(to_bytes(invitation(make_event(), "CANCEL", STAMP)))
    assert ours.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_publish_download_of_a_cancelled_session_says_cancelled():
    ours = icalendar.Calendar.from_ical(to_bytes(invitation(make_event(cancelled=True), "PUBLISH", STAMP)))
    assert ours["METHOD"] == "PUBLISH" and ours.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


@pytest.mark.parametrize("event, method", [
    (make_event(), "REPLY"),  # we never answer on behalf of attendees
    (make_event(organizer=None), "REQUEST"),  # RFC 5546: a REQUEST needs its organizer
    (make_event(organizer=None), "CANCEL"),
    (make_event(attendees=()), "REQUEST"),  # RFC 5546 §3.2.2: a REQUEST names its attendees
    (make_event(attendees=()), "CANCEL"),
    (make_event(attendees=(Attendee(MENTEE, partstat="MAYBE"),)), "REQUEST"),
])
def test_invalid_itip_messages_are_refused(event, method):
    with pytest.raises(ValueError):
        invitation(event, method, STAMP)


def test_punctuation_in_user_text_survives_both_parsers():
    person = Person("Novak, Ana; tim: \"Sever\"", "ana@example.org")
    event = make_event(summary="Mentorstvo, grupa 2; modul: uvod \\ pauza", location="Sala 2; sprat 1",
                       attendees=(Attendee(person),))
    ours, theirs = parse_both(to_bytes(invitation(event, "REQUEST", STAMP)))

    [vevent] = ours.walk("VEVENT")
    assert vevent["SUMMARY"] == theirs.vevent.summary.value == "Mentorstvo, grupa 2; modul: uvod \\ pauza"
    assert vevent["LOCATION"] == theirs.vevent.location.value == "Sala 2; sprat 1"
    # Double quotes become single ones: RFC 6868's ^' encoding is shown raw by many clients.
    assert vevent["ATTENDEE"].params["CN"] == "Novak, Ana; tim: 'Sever'"
    assert theirs.vevent.attendee.params["CN"] == ["Novak, Ana; tim: 'Sever'"]


def test_description_keeps_its_line_breaks():
    event = make_event(description="1. Uvod\r\n2. Plan\r3. Pitanja\x07")
    ours, theirs = parse_both(to_bytes(invitation(event, "REQUEST", STAMP)))
    assert ours.walk("VEVENT")[0]["DESCRIPTION"] == "1. Uvod\n2. Plan\n3. Pitanja"
    assert theirs.vevent.description.value == "1. Uvod\n2. Plan\n3. Pitanja"


# --- injection --------------------------------------------------------------------------------------------

PAYLOADS = [
    f"\r\nATTENDEE:{EVIL}",
    f"\nATTENDEE;CN=Evil:{EVIL}",
    "\nBEGIN:VEVENT\nUID:evil\nEND:VEVENT",
    f"\rEND:VEVENT\r\nBEGIN:VEVENT\r\nATTENDEE:{EVIL}",
    f"\u2028ATTENDEE:{EVIL}",  # str.splitlines() breaks here too
    f"\x85ATTENDEE:{EVIL}",
    f"\x0bATTENDEE:{EVIL}\x00",
]
FIELDS = {
    "summary": lambda text: make_event(summary=f"Mentorstvo{text}"),
    "location": lambda text: make_event(location=f"Sala{text}"),
    "description": lambda text: make_event(description=f"Agenda{text}"),
    "attendee name": lambda text: make_event(attendees=(Attendee(Person(f"Nikola{text}", MENTEE.email)),)),
    "organizer name": lambda text: make_event(organizer=Person(f"Amra{text}", MENTOR.email)),
    "attendee email": lambda text: make_event(attendees=(Attendee(Person("Nikola", f"mentee@example.org{text}")),)),
    "sent by": lambda text: make_event(sent_by=f"{PLATFORM}{text}"),
    "uid": lambda text: make_event(uid=f"session-42@learnhub.example{text}"),
}


def assert_no_injected_lines(data: bytes) -> None:
    lines = data.decode().split("\r\n")
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    assert not [line for line in lines if line.startswith(("ATTENDEE:", "ATTENDEE;CN=Evil", "UID:evil"))]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", FIELDS)
def test_line_breaks_in_user_text_cannot_add_properties_or_events(field, payload):
    event = FIELDS[field](payload)

    message = to_bytes(invitation(event, "REQUEST", STAMP))
    assert_no_injected_lines(message)
    ours, theirs = parse_both(message)
    [vevent] = ours.walk("VEVENT")
    assert isinstance(vevent["ATTENDEE"], icalendar.vCalAddress)  # several ATTENDEEs would parse as a list
    assert vevent["ATTENDEE"].startswith("mailto:mentee@example.org")
    assert len(theirs.vevent_list) == 1 and len(theirs.vevent.attendee_list) == 1

    published = to_bytes(feed([event], f"LearnHub{payload}", STAMP))
    assert_no_injected_lines(published)
    ours, theirs = parse_both(published)
    assert len(ours.walk("VEVENT")) == len(theirs.vevent_list) == 1
    assert "ATTENDEE" not in ours.walk("VEVENT")[0] and "attendee" not in theirs.vevent.contents


def test_addresses_lose_whitespace_and_controls():
    event = make_event(attendees=(Attendee(Person("Nikola", " mentee@example.org\r\n")),))
    ours = icalendar.Calendar.from_ical(to_bytes(invitation(event, "REQUEST", STAMP)))
    assert ours.walk("VEVENT")[0]["ATTENDEE"] == "mailto:mentee@example.org"


# --- feeds ------------------------------------------------------------------------------------------------

def test_feed_never_lists_attendees():
    events = [make_event(), replace(make_event(), uid="session-43@learnhub.example", starts_at=SUMMER_0800_UTC,
                                    ends_at=SUMMER_0800_UTC + timedelta(hours=1))]
    data = to_bytes(feed(events, "LearnHub: Nikola", STAMP))
    assert b"ATTENDEE" not in data and b"mentee@example.org" not in data
    ours, theirs = parse_both(data)
    assert [e["UID"] for e in ours.walk("VEVENT")] == ["session-42@learnhub.example", "session-43@learnhub.example"]
    assert [e.uid.value for e in theirs.vevent_list] == ["session-42@learnhub.example", "session-43@learnhub.example"]


def test_feed_is_published_with_a_name_and_refresh_interval():
    data = to_bytes(feed([make_event()], "LearnHub: Nikola, Mentee", STAMP, refresh=timedelta(minutes=30)))
    assert b"\r\nMETHOD:PUBLISH\r\n" in data and b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT30M\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL:PT30M\r\n" in data
    ours, theirs = parse_both(data)
    # NAME and X-WR-CALNAME are TEXT, escaped like SUMMARY; icalendar reads them back raw, vobject decodes them.
    assert ours["NAME"] == ours["X-WR-CALNAME"] == "LearnHub: Nikola\\, Mentee"
    assert ours.decoded("REFRESH-INTERVAL") == timedelta(minutes=30)
    assert theirs.method.value == "PUBLISH" and theirs.x_wr_calname.value == "LearnHub: Nikola, Mentee"
    assert theirs.contents["name"][0].value == "LearnHub: Nikola, Mentee"


def test_feed_has_one_vtimezone_per_zone_used_and_each_time_in_its_zone():
    events = [
        make_event(uid="a@learnhub.example"),
        make_event(uid="b@learnhub.example", starts_at=SUMMER_0800_UTC, ends_at=SUMMER_0800_UTC + timedelta(hours=1)),
        make_event(uid="c@learnhub.example", time_zone="Europe/London"),
    ]
    ours, theirs = parse_both(to_bytes(feed(events, "LearnHub", STAMP)))
    assert sorted(tz["TZID"] for tz in ours.walk("VTIMEZONE")) == ["Europe/Belgrade", "Europe/London"]
    assert [(e["DTSTART"].params["TZID"], e.decoded("DTSTART")) for e in ours.walk("VEVENT")] == [
        ("Europe/Belgrade", utc(WINTER_0800_UTC)),
        ("Europe/Belgrade", utc(SUMMER_0800_UTC)),
        ("Europe/London", utc(WINTER_0800_UTC)),
    ]
    assert [e.dtstart.value.utcoffset() for e in theirs.vevent_list] == [
        timedelta(hours=1), timedelta(hours=2), timedelta(0)]


def test_feed_shows_cancelled_events_as_cancelled():
    events = [make_event(uid="kept@learnhub.example"), make_event(uid="gone@learnhub.example", cancelled=True)]
    ours, theirs = parse_both(to_bytes(feed(events, "LearnHub", STAMP)))
    assert [(e["UID"], e["STATUS"]) for e in ours.walk("VEVENT")] == [
        ("kept@learnhub.example", "CONFIRMED"), ("gone@learnhub.example", "CANCELLED")]
    assert [e.status.value for e in theirs.vevent_list] == ["CONFIRMED", "CANCELLED"]


def test_empty_feed_is_still_a_valid_calendar():
    ours, theirs = parse_both(to_bytes(feed([], "LearnHub", STAMP)))
    assert ours.walk("VEVENT") == [] and ours.walk("VTIMEZONE") == []
    assert theirs.method.value == "PUBLISH"


# --- serialisation and CalDAV -----------------------------------------------------------------------------

def test_bytes_use_crlf_and_fold_long_lines():
    data = to_bytes(invitation(make_event(description="Dugačak opis " * 20), "REQUEST", STAMP))
    lines = data.split(b"\r\n")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # continuation lines


def test_calendar_object_drops_method_and_leaves_the_message_untouched():
    message = invitation(make_event(), "REQUEST", STAMP)
    stored = as_calendar_object(message)
    assert "METHOD" not in stored and message["METHOD"] == "REQUEST"
    assert to_bytes(stored) == to_bytes(message).replace(b"METHOD:REQUEST\r\n", b"")


@pytest.fixture(scope="module")
def radicale(tmp_path_factory) -> Iterator[RadicaleServer]:
    server = RadicaleServer(tmp_path_factory.mktemp("radicale"))
    server.start()
    yield server
    server.stop()


def test_caldav_server_keeps_one_object_per_uid_through_update_and_cancel(radicale):
    collection = f"/{radicale.user}/sessions/"
    href = f"{collection}session-42.ics"
    first = make_event()
    update = moved(first)
    cancelled = replace(update, sequence=2, cancelled=True)
    assert radicale.make_calendar(collection) == 201

    statuses = [
        radicale.put(href, to_bytes(as_calendar_object(invitation(first, "REQUEST", STAMP)))),
        radicale.put(href, to_bytes(as_calendar_object(invitation(update, "REQUEST", STAMP)))),
        radicale.put(href, to_bytes(as_calendar_object(invitation(cancelled, "CANCEL", STAMP)))),
    ]
    assert statuses == [201, 204, 204]  # created, then replaced in place

    objects = radicale.calendar_objects(collection)
    assert list(objects) == [href]
    stored = icalendar.Calendar.from_ical(objects[href])
    [vevent] = stored.walk("VEVENT")
    assert vevent["UID"] == "session-42@learnhub.example" and vevent["SEQUENCE"] == 2
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent.decoded("DTSTART") == utc(update.starts_at) and vevent.decoded("DTEND") == utc(update.ends_at)
    assert "METHOD" not in stored


ROOM = "https://meet.jit.si/learnhub-0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _conference(vevent) -> tuple[str, dict]:
    return str(vevent["CONFERENCE"]), {key: vevent["CONFERENCE"].params[key] for key in ("VALUE", "FEATURE", "LABEL")}


def test_an_online_sessions_link_is_a_conference_both_parsers_read():
    """RFC 7986 CONFERENCE (VALUE=URI, FEATURE=AUDIO,VIDEO, LABEL); a label cannot break out of its quotes."""
    event = make_event(location=ROOM, conference_url=ROOM, conference_label='Online "meeting"; video, audio')
    data = to_bytes(invitation(event, "REQUEST", STAMP))
    assert b"CONFERENCE;" in data
    ours, theirs = parse_both(data)
    [vevent] = ours.walk("VEVENT")
    assert _conference(vevent) == (ROOM, {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"],
                                          "LABEL": "Online 'meeting'; video, audio"})
    assert theirs.vevent.conference.value == ROOM
    assert theirs.vevent.conference.params["FEATURE"] == ["AUDIO", "VIDEO"]
    assert str(vevent["LOCATION"]) == ROOM
    assert "CONFERENCE" not in to_bytes(invitation(make_event(), "REQUEST", STAMP)).decode()


def test_the_caldav_server_keeps_an_online_sessions_conference(radicale):
    collection = f"/{radicale.user}/online/"
    href = f"{collection}session-43.ics"
    event = make_event(uid="session-43@learnhub.example", location=ROOM, conference_url=ROOM,
                       conference_label="Online meeting")
    assert radicale.make_calendar(collection) == 201
    assert radicale.put(href, to_bytes(as_calendar_object(invitation(event, "REQUEST", STAMP)))) == 201
    [vevent] = icalendar.Calendar.from_ical(radicale.calendar_objects(collection)[href]).walk("VEVENT")
    assert _conference(vevent) == (ROOM, {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": "Online meeting"})


@pytest.mark.parametrize("event", [make_event(), make_event(organizer=None, attendees=()),
                                   make_event(attendees=(Attendee(MENTEE), Attendee(MENTOR, role="CHAIR")))])
def test_an_event_kept_as_plain_data_comes_back_the_same(event):
    assert event_from_data(event_to_data(event)) == event


@pytest.mark.parametrize("time_zone", ["Europe/Belgrade", "UTC", "America/New_York"])
def test_a_feed_written_directly_reads_back_as_icalendar_writes_the_same_event(time_zone):
    """Feeds skip icalendar's objects for speed: both parsers must read what its own writer would give."""
    awkward = "Mentorstvo; grupa, Šid \\ Ruma — “navodnici” " + "ćirilica и латиница " * 6
    event = make_event(summary=awkward, description=f"{awkward}\nred dva;\n\ntri", location=awkward,
                       organizer=Person('Amra "Mentor", Šid; Ruma', "mentor@example.org"), time_zone=time_zone,
                       stamp=datetime(2027, 1, 2, 3, 4, 5), conference_url=ROOM, conference_label=awkward)
    written = to_bytes(invitation(event, "PUBLISH", STAMP))  # icalendar's own writer
    fast = feed_bytes([event], "LearnHub", STAMP)
    assert all(len(line) <= 75 for line in fast.split(b"\r\n"))
    reference = icalendar.Calendar.from_ical(written).walk("VEVENT")[0]
    ours, theirs = parse_both(fast)
    [vevent] = ours.walk("VEVENT")
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "UID", "URL", "STATUS", "ORGANIZER", "CONFERENCE"):
        assert str(vevent[name]) == str(reference[name])
    assert _conference(vevent) == _conference(reference)
    assert vevent["ORGANIZER"].params["CN"] == reference["ORGANIZER"].params["CN"] == "Amra 'Mentor', Šid; Ruma"
    assert vevent.decoded("DTSTART") == reference.decoded("DTSTART") == utc(WINTER_0800_UTC)
    assert vevent.decoded("DTSTAMP") == utc(datetime(2027, 1, 2, 3, 4, 5)) and vevent["TRANSP"] == "OPAQUE"
    assert theirs.vevent.summary.value == awkward.strip() and theirs.vevent.description.value.endswith("\n\ntri")
    assert theirs.vevent.dtstart.value == utc(WINTER_0800_UTC)
