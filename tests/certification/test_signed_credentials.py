"""Certificates anyone can verify without asking us: signed Open Badges 3.0 credentials (VC-JWT), the issuer's
published keys and a W3C Bitstring Status List, each checked by tests/certification/third_party.py — PyJWT and
the standard library, nothing of LearnHub's."""

import base64
import io
import json
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from jsonschema import Draft201909Validator, Draft202012Validator

from learnhub.certification import services
from learnhub.certification.issuer import signing_key
from learnhub.certification.keys import load_keys
from learnhub.certification.status_list import (
    LIST_SIZE,
    bitstring,
    decode_bitstring,
    encode_bitstring,
    entry_for,
    is_set,
)
from learnhub.extensions import db
from learnhub.people.models import Role
from learnhub.privacy.models import ErasureRequest
from learnhub.privacy.services import complete_erasure
from learnhub.timeutil import utcnow
from tests.certification import third_party
from tests.factories import PASSWORD, EnrolmentFactory, UserFactory, certificate_for

HERE = Path(__file__).parent
ONEDTECH_SCHEMA = json.loads((HERE / "onedtech" / "ob_v3p0_achievementcredential_schema.json").read_text())
ONEDTECH = Draft201909Validator(ONEDTECH_SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)
HOUSE = Draft202012Validator(json.loads((HERE / "openbadges_credential.schema.json").read_text()),
                             format_checker=Draft202012Validator.FORMAT_CHECKER)


def _signed(client, certificate) -> str:
    response = client.get(f"/verify/{certificate.code}.jwt")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _admin():
    return UserFactory(roles=[Role.INSTITUTE_ADMIN])


# --- the credential and its proof -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["with expiry", "never expiring", "revoked", "holder erased"])
def test_every_signed_credential_validates_against_the_1edtech_schema(client, kind):
    certificate = certificate_for(EnrolmentFactory(), expires_at=utcnow() + timedelta(days=700)
                                  if kind == "with expiry" else None)
    if kind == "revoked":
        services.revoke(_admin(), certificate, note="Issued in error.")
    if kind == "holder erased":
        db.session.add(ErasureRequest(user_id=certificate.holder_id))
        db.session.flush()
        complete_erasure(_admin(), db.session.query(ErasureRequest).one().id)
    db.session.commit()
    payload = third_party.verified_payload(client, _signed(client, certificate))
    assert [e.message for e in ONEDTECH.iter_errors(payload)] == []
    assert [e.message for e in HOUSE.iter_errors(payload)] == []  # and our stricter reading of OB 3.0


def test_the_1edtech_schema_is_kept_with_its_licence():
    Draft201909Validator.check_schema(ONEDTECH_SCHEMA)
    assert ONEDTECH_SCHEMA["title"] == "JSON Schema for the AchievementCredential class."
    assert "SPECIFICATION DOCUMENT LICENSE" in (HERE / "onedtech" / "LICENSE.md").read_text()


def test_the_1edtech_schema_bites():
    payload = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
    assert list(ONEDTECH.iter_errors(payload))


def test_a_signed_credential_verifies_with_another_library_and_says_what_the_certificate_says(client):
    certificate = certificate_for(EnrolmentFactory(), expires_at=datetime(2031, 5, 1, 12, 0))
    db.session.commit()
    token = _signed(client, certificate)
    payload = third_party.verified_payload(client, token)
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["id"] == payload["jti"] == f"http://localhost/verify/{certificate.code}.json"
    assert payload["issuer"]["id"] == payload["iss"] == "http://localhost/issuer"
    assert payload["validUntil"] == "2031-05-01T12:00:00Z"
    name = payload["credentialSubject"]["identifier"][0]["identityHash"]
    assert name == certificate.holder.display_name
    assert third_party.check(client, token) == "valid"


def test_the_jose_header_holds_only_what_open_badges_allows(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    header = json.loads(_header(_signed(client, certificate)))
    assert header == {"alg": "RS256", "typ": "JWT", "kid": f"http://localhost/issuer/keys/{signing_key().key_id}"}


def _header(token: str) -> str:
    head = token.split(".")[0]
    return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()


def test_a_changed_character_anywhere_fails_verification(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    token = _signed(client, certificate)
    third_party.verified_payload(client, token)  # the untouched one verifies
    public = jwt.PyJWK(signing_key().public_jwk(), algorithm="RS256").key
    survivors = []
    for position, character in enumerate(token):
        changed = token[:position] + ("B" if character == "A" else "A") + token[position + 1:]
        try:
            jwt.decode(changed, public, algorithms=["RS256"], options={"verify_exp": False, "verify_nbf": False})
        except jwt.PyJWTError:
            continue
        survivors.append(position)
    assert survivors == []


def test_a_changed_credential_fails_the_check_on_the_verification_page_too(client, monkeypatch):
    """The page shows what verifying the signed credential concludes: a wrong key makes it say so."""
    from learnhub.certification import credentials

    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate is valid." in page and "Valid: signed by Institute for Social Protection." in page
    stranger = {"kty": "RSA", "n": signing_key().public_jwk()["n"][:-4] + "AAAA", "e": "AQAB"}
    monkeypatch.setattr(credentials, "public_jwk", lambda url: stranger)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "The signature of this certificate could not be verified." in page
    assert "This certificate is valid." not in page


# --- revocation through the status list -------------------------------------------------------------------------

def test_revoking_and_reinstating_flip_the_bit_a_verifier_reads(client):
    admin = _admin()
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    token = _signed(client, certificate)  # kept by the holder from before
    assert third_party.check(client, token) == "valid"

    services.revoke(admin, certificate, note="Absent for half of the cohort.")
    db.session.commit()
    assert third_party.check(client, token) == "revoked"
    assert "This certificate was revoked on" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)

    services.reinstate(admin, certificate, reason="The attendance sheet was found.")
    db.session.commit()
    assert third_party.check(client, token) == "valid"
    assert [e.action for e in services.history(certificate)][-2:] in (["revoked", "reinstated"],
                                                                     ["reinstated", "revoked"])


def test_one_revocation_sets_one_bit_and_no_other(client):
    revoked, other = certificate_for(EnrolmentFactory()), certificate_for(EnrolmentFactory())
    services.revoke(_admin(), revoked, note="Issued in error.")
    db.session.commit()
    assert third_party.check(client, _signed(client, revoked)) == "revoked"
    assert third_party.check(client, _signed(client, other)) == "valid"
    bits = third_party.status_bits(client, "http://localhost/credentials/status/1", "http://localhost/issuer")
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_status_list_is_a_signed_bitstring_status_list_credential_of_at_least_16_kb(client):
    certificate_for(EnrolmentFactory())
    db.session.commit()
    response = client.get("/credentials/status/1")
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    payload = third_party.verified_payload(client, response.get_data(as_text=True))
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["credentialSubject"]["statusPurpose"] == "revocation"
    assert len(decode_bitstring(payload["credentialSubject"]["encodedList"])) == LIST_SIZE // 8 == 16_384


def test_the_status_list_is_the_same_text_until_a_revocation_changes_it(client):
    """Verifiers and their caches fetch an unchanged list as the same signed text; a revocation shows at once."""
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    first, again = (client.get("/credentials/status/1").get_data(as_text=True) for _ in range(2))
    assert first == again
    services.revoke(_admin(), certificate, note="Issued in error.")
    db.session.commit()
    changed = client.get("/credentials/status/1").get_data(as_text=True)
    assert changed != first
    assert third_party.check(client, _signed(client, certificate)) == "revoked"


def test_a_status_list_that_does_not_exist_is_not_found(client):
    assert client.get("/credentials/status/2").status_code == 404
    assert client.get("/credentials/status/0").status_code == 404


def test_each_certificate_has_its_own_fixed_place_in_a_status_list(client):
    certificates = [certificate_for(EnrolmentFactory()) for _ in range(5)]
    db.session.commit()
    indexes = [c.status_index for c in certificates]
    assert len(set(indexes)) == 5 and all(0 <= i < LIST_SIZE for i in indexes)
    services.revoke(_admin(), certificates[0], note="Issued in error.")
    db.session.commit()
    assert [c.status_index for c in certificates] == indexes
    entry = third_party.payload_of(_signed(client, certificates[2]))["credentialStatus"]
    assert entry == {"id": f"http://localhost/credentials/status/1#{indexes[2]}", "type": "BitstringStatusListEntry",
                     "statusPurpose": "revocation", "statusListIndex": str(indexes[2]),
                     "statusListCredential": "http://localhost/credentials/status/1"}


def test_bitstring_round_trip_puts_the_first_index_in_the_most_significant_bit():
    bits = bitstring([0, 9, LIST_SIZE - 1])
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    decoded = decode_bitstring(encode_bitstring(bits))
    assert decoded == bits and [is_set(decoded, i) for i in (0, 1, 9, LIST_SIZE - 1)] == [True, False, True, True]
    assert entry_for(LIST_SIZE + 3).list_number == 2 and entry_for(LIST_SIZE + 3).position == 3


# --- expiry -----------------------------------------------------------------------------------------------------

def test_an_expired_certificate_reads_as_expired(client):
    certificate = certificate_for(EnrolmentFactory(), issued_at=datetime(2020, 1, 1), expires_at=datetime(2023, 1, 1))
    db.session.commit()
    token = _signed(client, certificate)
    payload = third_party.payload_of(token)
    assert payload["validUntil"] == "2023-01-01T00:00:00Z" and payload["exp"] == 1672531200
    assert third_party.check(client, token) == "expired"
    assert "This certificate has expired." in client.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_a_credential_read_before_its_expiry_is_valid_then(client):
    certificate = certificate_for(EnrolmentFactory(), expires_at=utcnow() + timedelta(days=30))
    db.session.commit()
    token = _signed(client, certificate)
    assert third_party.check(client, token) == "valid"
    assert third_party.check(client, token, now=datetime.now(UTC) + timedelta(days=31)) == "expired"


# --- keys: published, rotated ----------------------------------------------------------------------------------

def test_the_issuer_profile_lists_every_key_as_a_verification_method(client):
    profile = client.get("/issuer").json
    assert profile["id"] == "http://localhost/issuer" and profile["type"] == ["Profile"]
    assert profile["name"] == "Institute for Social Protection"
    key_url = f"http://localhost/issuer/keys/{signing_key().key_id}"
    method = next(m for m in profile["verificationMethod"] if m["id"] == key_url)
    assert method["type"] == "JsonWebKey" and method["controller"] == profile["id"]
    assert key_url in profile["assertionMethod"]
    assert "d" not in method["publicKeyJwk"] and "p" not in method["publicKeyJwk"]
    assert client.get(key_url).json == method["publicKeyJwk"]


def test_an_unknown_key_is_not_found(client):
    assert client.get("/issuer/keys/no-such-key").status_code == 404


def test_a_credential_signed_with_a_rotated_out_key_still_verifies(make_app, tmp_path):
    app = make_app(CREDENTIAL_KEYS_DIR=str(tmp_path / "keys"))
    client = app.test_client()
    with app.app_context():
        old = certificate_for(EnrolmentFactory())
        db.session.commit()
        old_token = _signed(client, old)
        result = app.test_cli_runner().invoke(args=["certificates", "keygen"])
        assert result.exit_code == 0, result.output
        keys = load_keys(tmp_path / "keys")
        assert len(keys) == 2 and keys[-1].key_id in result.output
        assert stat.S_IMODE(keys[-1].path.stat().st_mode) == 0o600
        new = certificate_for(EnrolmentFactory())
        db.session.commit()
        new_token = _signed(client, new)

        old_kid = json.loads(_header(old_token))["kid"]
        new_kid = json.loads(_header(new_token))["kid"]
        assert old_kid.endswith(keys[0].key_id) and new_kid.endswith(keys[1].key_id)  # the newest signs
        assert third_party.check(client, old_token) == "valid"
        assert third_party.check(client, new_token) == "valid"
        assert {m["id"] for m in client.get("/issuer").json["verificationMethod"]} == {old_kid, new_kid}
        services.revoke(_admin(), old, note="Issued in error.")
        db.session.commit()
        assert third_party.check(client, old_token) == "revoked"  # the list is signed by the new key


def test_development_makes_its_first_key_itself_and_keeps_it_private(make_app, tmp_path):
    app = make_app(CREDENTIAL_KEYS_DIR=str(tmp_path / "keys"))
    with app.app_context():
        assert app.test_client().get("/issuer").status_code == 200
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    [key] = load_keys(tmp_path / "keys")
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600


# --- where people meet it ----------------------------------------------------------------------------------------

def test_the_signed_credential_downloads_as_a_file(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    response = client.get(f"/verify/{certificate.code}.jwt")
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{certificate.readable_code}.jwt"')
    assert response.get_data(as_text=True).count(".") == 2
    assert client.get("/verify/" + "A" * 32 + ".jwt").status_code == 404


def test_the_verification_page_names_the_issuer_and_offers_the_signed_credential(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert f'href="/verify/{certificate.code}.jwt"' in page
    assert "Download the signed credential (Open Badges 3.0)" in page
    assert "Institute for Social Protection" in page and 'href="/issuer"' in page


def test_holders_download_their_signed_credentials_from_their_certificates_page(client):
    certificate = certificate_for(EnrolmentFactory())
    email = certificate.holder.email
    db.session.commit()
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    for page in ("/certificates", f"/certificates/{certificate.id}"):
        assert f'href="/verify/{certificate.code}.jwt"' in client.get(page).get_data(as_text=True), page


def test_the_personal_data_download_holds_each_signed_credential(client):
    certificate = certificate_for(EnrolmentFactory())
    email = certificate.holder.email
    db.session.commit()
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    archive = zipfile.ZipFile(io.BytesIO(client.post("/account/personal-data").get_data()))
    token = archive.read(f"certificates/{certificate.code}.jwt").decode()
    assert third_party.check(client, token) == "valid"
    listed = json.loads(archive.read("personal-data.json"))["certificates"][0]
    assert listed["signed_credential"] == f"certificates/{certificate.code}.jwt"


def test_the_pdf_qr_code_leads_to_the_verification_page(app, monkeypatch):
    from learnhub.certification import documents, pdf

    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    seen = []
    monkeypatch.setattr(pdf, "certificate_pdf", lambda document: seen.append(document) or b"%PDF")
    documents.pdf_for(certificate, "en")
    assert seen[0].verification_url == f"http://localhost/verify/{certificate.code}"


# --- erasure -----------------------------------------------------------------------------------------------------

def test_after_erasure_the_status_entry_still_works_without_personal_data(client):
    admin = _admin()
    certificate = certificate_for(EnrolmentFactory())
    name, index = certificate.holder.display_name, certificate.status_index
    db.session.add(ErasureRequest(user_id=certificate.holder_id))
    db.session.commit()
    before = _signed(client, certificate)
    complete_erasure(admin, db.session.query(ErasureRequest).one().id)
    db.session.commit()
    after = _signed(client, certificate)
    assert name not in json.dumps(third_party.payload_of(after), ensure_ascii=False)
    assert "identifier" not in third_party.payload_of(after)["credentialSubject"]
    assert certificate.status_index == index
    services.revoke(admin, certificate, note="Issued in error.")
    db.session.commit()
    assert third_party.check(client, after) == "revoked" and third_party.check(client, before) == "revoked"


# --- the page's own verifier refuses what a stranger's would ----------------------------------------------------

def _page_verdict(token: str, resolve_key=None, fetch_list=None):
    from learnhub.certification.issuer import public_jwk, published_status_list
    from learnhub.certification.verification import verify

    return verify(token, resolve_key or public_jwk,
                  fetch_list or (lambda url: published_status_list(1) if url.endswith("/status/1") else None),
                  datetime.now(UTC))


def test_the_pages_verifier_refuses_an_unpublished_key_a_foreign_list_and_a_changed_payload(app):
    from joserfc.jwk import RSAKey

    from learnhub.certification.credentials import signed_credential
    from learnhub.certification.keys import SigningKey
    from learnhub.certification.signing import sign
    from learnhub.certification.verification import Outcome

    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    token = signed_credential(certificate)
    assert _page_verdict(token).outcome is Outcome.VALID

    assert _page_verdict(token, resolve_key=lambda url: None).outcome is Outcome.INVALID
    stranger = SigningKey("stranger", "", Path("stranger.pem"), RSAKey.generate_key(2048))
    forged = sign(third_party.payload_of(token), stranger, "http://localhost/issuer/keys/stranger")
    assert _page_verdict(forged).problem == "the key http://localhost/issuer/keys/stranger is not published"
    foreign_list = sign(_status_list_payload(certificate), stranger, "http://localhost/issuer/keys/stranger")
    assert _page_verdict(token, fetch_list=lambda url: foreign_list).outcome is Outcome.INVALID

    head, body, signature = token.split(".")
    payload = third_party.payload_of(token)
    payload["credentialSubject"]["achievement"]["name"] = "Something else"
    changed = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert _page_verdict(f"{head}.{changed}.{signature}").outcome is Outcome.INVALID


def _status_list_payload(certificate) -> dict:
    from learnhub.certification.issuer import published_status_list

    payload = third_party.payload_of(published_status_list(entry_for(certificate.status_index).list_number))
    return {name: value for name, value in payload.items() if name not in ("iss", "jti", "sub", "nbf", "exp")}
