"""Certificates as Open Badges 3.0 credentials, checked against a JSON Schema written from the spec."""

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from learnhub.certification.badges import (
    OB_CONTEXT,
    STATUS_TYPE,
    VC_CONTEXT,
    CredentialData,
    open_badge_credential,
)

SCHEMA = json.loads((Path(__file__).parent / "openbadges_credential.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
CODE = "K7QX-2M9P"
ISSUED_AT = datetime(2027, 3, 14, 9, 26, 53, 589793)


def make_data(**overrides) -> CredentialData:
    fields = dict(
        credential_url=f"https://learnhub.example/verify/{CODE}.json",
        issuer_url="https://learnhub.example/issuer",
        issuer_name="LearnHub",
        issuer_home="https://learnhub.example",
        achievement_url="https://learnhub.example/learning-sets/trauma-informed-care#v3",
        achievement_name="Trauma-informed care",
        achievement_description="Recognising and responding to trauma in day-care services.",
        criteria="Attend all six sessions and pass the final case review.",
        holder_name="Jelena Petrović",
        issued_at=ISSUED_AT,
        valid_until=datetime(2030, 3, 14, 9, 26, 53),
        status_list_url="https://learnhub.example/credentials/status/1",
        status_list_index=94567,
        cpd_points=12,
    )
    return CredentialData(**{**fields, **overrides})


def schema_errors(credential: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(credential)]


VALID_WITH_EXPIRY = make_data()
NEVER_EXPIRING = make_data(valid_until=None, cpd_points=0)
EXPIRED = make_data(issued_at=datetime(2020, 1, 1), valid_until=datetime(2023, 1, 1))
ANONYMISED = make_data(holder_name=None)
FIRST_IN_LIST = make_data(status_list_index=0)
CASES = {
    "valid with expiry": VALID_WITH_EXPIRY, "never expiring": NEVER_EXPIRING, "expired": EXPIRED,
    "anonymised holder": ANONYMISED, "first bit of its list": FIRST_IN_LIST,
}


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_every_kind_of_certificate_matches_the_open_badges_schema(data):
    assert schema_errors(open_badge_credential(data)) == []


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_credential_survives_a_json_round_trip(data):
    credential = open_badge_credential(data)
    assert json.loads(json.dumps(credential)) == credential


# --- the shape OB 3.0 requires -----------------------------------------------------------------------------

def test_contexts_are_vc_v2_then_open_badges_3():
    assert open_badge_credential(VALID_WITH_EXPIRY)["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]


def test_credential_is_an_open_badge_credential_identified_by_its_own_url():
    credential = open_badge_credential(VALID_WITH_EXPIRY)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"https://learnhub.example/verify/{CODE}.json"
    assert credential["name"] == "Trauma-informed care"


def test_issuer_is_a_named_profile_whose_id_lists_its_keys():
    assert open_badge_credential(VALID_WITH_EXPIRY)["issuer"] == {
        "id": "https://learnhub.example/issuer", "type": ["Profile"], "name": "LearnHub",
        "url": "https://learnhub.example",
    }


def test_achievement_is_a_certificate_with_its_criteria_and_language():
    credential = open_badge_credential(replace(VALID_WITH_EXPIRY, language="sr-Latn"))
    assert credential["credentialSubject"]["achievement"] == {
        "id": "https://learnhub.example/learning-sets/trauma-informed-care#v3",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": "Trauma-informed care",
        "description": "Recognising and responding to trauma in day-care services.",
        "criteria": {"narrative": "Attend all six sessions and pass the final case review."},
        "inLanguage": "sr-Latn",
        "creditsAvailable": 12,
    }


def test_credential_carries_no_embedded_proof_as_vc_jwt_wraps_it():
    assert "proof" not in open_badge_credential(VALID_WITH_EXPIRY)


def test_credential_names_the_1edtech_schema_verifiers_check_it_against():
    assert open_badge_credential(VALID_WITH_EXPIRY)["credentialSchema"] == [{
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019",
    }]


# --- dates -------------------------------------------------------------------------------------------------

def test_valid_from_is_the_issue_time_in_utc_with_z_and_whole_seconds():
    assert open_badge_credential(VALID_WITH_EXPIRY)["validFrom"] == "2027-03-14T09:26:53Z"


def test_valid_until_is_the_expiry_in_utc_with_z():
    assert open_badge_credential(VALID_WITH_EXPIRY)["validUntil"] == "2030-03-14T09:26:53Z"


def test_never_expiring_certificate_has_no_valid_until():
    assert "validUntil" not in open_badge_credential(NEVER_EXPIRING)


def test_an_aware_datetime_is_converted_to_utc_rather_than_mislabelled():
    belgrade_summer = timezone(timedelta(hours=2))
    issued_at = datetime(2027, 7, 5, 10, 0, tzinfo=belgrade_summer)
    credential = open_badge_credential(replace(NEVER_EXPIRING, issued_at=issued_at))
    assert credential["validFrom"] == "2027-07-05T08:00:00Z"


# --- holder ------------------------------------------------------------------------------------------------

def test_holder_is_identified_by_their_name_in_plain_text():
    subject = open_badge_credential(VALID_WITH_EXPIRY)["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [{
        "type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Jelena Petrović",
    }]


def test_subject_id_is_a_fragment_of_the_credential_linking_nobody():
    """VC-JWT's `sub` must equal credentialSubject.id: it names "this credential's holder", no account."""
    assert open_badge_credential(VALID_WITH_EXPIRY)["credentialSubject"]["id"] == (
        f"https://learnhub.example/verify/{CODE}.json#holder")


def test_anonymised_holder_has_no_name_anywhere_but_the_subject_still_has_an_id():
    credential = open_badge_credential(ANONYMISED)
    subject = credential["credentialSubject"]
    assert "identifier" not in subject
    assert subject["id"] == f"https://learnhub.example/verify/{CODE}.json#holder"
    assert "Jelena" not in json.dumps(credential, ensure_ascii=False)


def test_schema_rejects_a_subject_with_neither_id_nor_identifier():
    credential = open_badge_credential(ANONYMISED)
    del credential["credentialSubject"]["id"]
    assert schema_errors(credential)


# --- CPD points --------------------------------------------------------------------------------------------

def test_cpd_points_are_the_credits_earned():
    assert open_badge_credential(VALID_WITH_EXPIRY)["credentialSubject"]["creditsEarned"] == 12


def test_certificate_without_cpd_points_claims_no_credits():
    credential = open_badge_credential(NEVER_EXPIRING)
    assert "creditsEarned" not in credential["credentialSubject"]
    assert "creditsAvailable" not in credential["credentialSubject"]["achievement"]


# --- status ------------------------------------------------------------------------------------------------

def test_status_is_a_bit_in_the_published_revocation_status_list():
    assert open_badge_credential(VALID_WITH_EXPIRY)["credentialStatus"] == {
        "id": "https://learnhub.example/credentials/status/1#94567",
        "type": STATUS_TYPE,
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://learnhub.example/credentials/status/1",
    }
    assert STATUS_TYPE == "BitstringStatusListEntry"


def test_expired_certificate_shows_its_past_valid_until():
    assert open_badge_credential(EXPIRED)["validUntil"] == "2023-01-01T00:00:00Z"


# --- the schema bites --------------------------------------------------------------------------------------

@pytest.mark.parametrize("break_it", [
    lambda c: c.update({"@context": [OB_CONTEXT, VC_CONTEXT]}),
    lambda c: c.update({"@context": [VC_CONTEXT]}),
    lambda c: c.update({"type": ["VerifiableCredential"]}),
    lambda c: c.update({"validFrom": "2027-03-14T09:26:53+00:00"}),
    lambda c: c.update({"validFrom": "2027-03-14 09:26:53Z"}),
    lambda c: c.update({"validUntil": "2030-03-14"}),
    lambda c: c.pop("issuer"),
    lambda c: c["credentialSubject"]["achievement"].pop("criteria"),
    lambda c: c["credentialSubject"]["achievement"].update({"achievementType": "Diplom"}),
    lambda c: c["credentialSubject"]["identifier"][0].update({"hashed": "false"}),
    lambda c: c["credentialStatus"].update({"type": "LearnHubCertificateStatus"}),
    lambda c: c["credentialStatus"].update({"statusListIndex": 94567}),
    lambda c: c.update({"proof": {"type": "DataIntegrityProof"}}),
], ids=[
    "contexts swapped", "ob context missing", "not an open badge", "offset instead of Z", "space instead of T",
    "date without time", "no issuer", "no criteria", "unknown achievement type", "hashed as a string",
    "a status method of our own", "index as a number", "unexpected proof",
])
def test_schema_rejects_a_broken_credential(break_it):
    credential = open_badge_credential(VALID_WITH_EXPIRY)
    break_it(credential)
    assert schema_errors(credential)
