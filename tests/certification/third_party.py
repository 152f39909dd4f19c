"""A stranger's verifier, sharing no code with LearnHub's: PyJWT and `cryptography` check the signature (LearnHub
signs with joserfc), the status list is decoded with the standard library, and every key and list is fetched
over HTTP by the URLs the credential names, as OB 3.0 section 8.2.5 and Bitstring Status List section 3.2 say.
"""

import base64
import gzip
import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import jwt
from flask.testing import FlaskClient

MINIMUM_BITS = 131_072  # Bitstring Status List: at least 16 KB


class NotVerified(Exception):
    """The proof or a claim does not hold."""


def _fetch(client: FlaskClient, url: str):
    parts = urlsplit(url)
    response = client.get(parts.path, base_url=f"{parts.scheme}://{parts.netloc}")
    if response.status_code != 200:
        raise NotVerified(f"{url} answered {response.status_code}")
    return response


def _date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def verified_payload(client: FlaskClient, token: str) -> dict:
    """Steps of OB 3.0 8.2.5: dereference `kid` to a JWK, verify the JWS, compare the claims."""
    try:
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "RS256" and set(header) <= {"alg", "kid", "typ", "jwk"}
        jwk = _fetch(client, header["kid"]).json
        assert "d" not in jwk
        key = jwt.PyJWK(jwk, algorithm="RS256").key
        payload = jwt.decode(token, key, algorithms=["RS256"], options={
            "verify_exp": False, "verify_nbf": False, "verify_aud": False, "require": ["iss", "jti", "nbf", "sub"]})
    except (jwt.PyJWTError, AssertionError, KeyError, ValueError, TypeError) as error:
        raise NotVerified(str(error)) from error
    issuer = payload["issuer"]["id"] if isinstance(payload["issuer"], dict) else payload["issuer"]
    checks = {
        "iss": payload["iss"] == issuer,
        "sub": payload["sub"] == payload["credentialSubject"]["id"],
        "jti": payload["jti"] == payload["id"],
        "nbf": datetime.fromtimestamp(payload["nbf"], UTC) == _date(payload["validFrom"]),
        "exp": ("exp" not in payload and "validUntil" not in payload)
               or datetime.fromtimestamp(payload["exp"], UTC) == _date(payload["validUntil"]),
    }
    if not all(checks.values()):
        raise NotVerified(f"claims that do not match: {[name for name, ok in checks.items() if not ok]}")
    return payload


def status_bits(client: FlaskClient, list_url: str, issuer: str) -> bytes:
    token = _fetch(client, list_url).get_data(as_text=True)
    status_list = verified_payload(client, token)
    assert status_list["id"] == list_url and status_list["issuer"] == issuer
    assert "BitstringStatusListCredential" in status_list["type"]
    subject = status_list["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded[0] == "u"  # multibase base64url, no padding
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= MINIMUM_BITS
    return bits


def check(client: FlaskClient, token: str, now: datetime | None = None) -> str:
    """"valid", "revoked" or "expired", as a verifier concludes; NotVerified when the proof fails."""
    payload = verified_payload(client, token)
    status = payload["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    issuer = payload["issuer"]["id"]
    bits = status_bits(client, status["statusListCredential"], issuer)
    index = int(status["statusListIndex"])
    if bits[index // 8] >> (7 - index % 8) & 1:
        return "revoked"
    now = now or datetime.now(UTC)
    if "validUntil" in payload and now >= _date(payload["validUntil"]):
        return "expired"
    return "valid"


def payload_of(token: str) -> dict:
    """The credential inside, unverified: for looking at what was signed."""
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
