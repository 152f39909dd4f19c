"""Credentials secured as VC-JWT (OB 3.0 section 8.2, "JSON Web Token Proof Format"), signed by joserfc.

Pure functions: the caller passes the credential (badges.py), the key and URLs. The JOSE header carries only
what OB 3.0 allows (`alg`, `kid`, `typ` = "JWT"); `kid` is a URL that answers with the public JWK. The JWT
payload is the credential itself plus the registered claims OB 3.0 asks for: `iss` (issuer.id), `jti` (id),
`sub` (credentialSubject.id), `nbf` (validFrom) and `exp` (validUntil, when it has one).
"""

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from joserfc import jws

from learnhub.certification.badges import OB_CONTEXT, VC_CONTEXT, datetime_z
from learnhub.certification.keys import ALGORITHM, SigningKey

__all__ = ["CID_CONTEXT", "issuer_profile", "jwt_claims", "sign", "status_list_credential"]

# W3C Controlled Identifiers: the terms for listing verification methods (verificationMethod, JsonWebKey).
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"


def _numeric_date(value: str) -> int:
    """A DateTimeZ of the credential as a JWT NumericDate (seconds since the epoch)."""
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential with OB 3.0's JWT claims added, each derived from the property it must equal."""
    subject = credential["credentialSubject"]
    claims = {**credential, "iss": credential["issuer"]["id"] if isinstance(credential["issuer"], dict)
              else credential["issuer"], "jti": credential["id"], "sub": subject["id"],
              "nbf": _numeric_date(credential["validFrom"])}
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"])
    return claims


def sign(credential: dict[str, Any], key: SigningKey, key_url: str) -> str:
    """The Compact JWS of the credential: what a holder downloads and a verifier checks."""
    payload = json.dumps(jwt_claims(credential), ensure_ascii=False, separators=(",", ":")).encode()
    return _compact(payload, key, key_url)


# RS256 signatures are deterministic: the same payload and key always give the same JWS. Each worker keeps
# the ones it made, since an RSA signature costs milliseconds and the verification page shows one per view.
@lru_cache(maxsize=512)
def _compact(payload: bytes, key: SigningKey, key_url: str) -> str:
    header = {"alg": ALGORITHM, "kid": key_url, "typ": "JWT"}
    return jws.serialize_compact(header, payload, key.key, algorithms=[ALGORITHM])


def status_list_credential(list_url: str, issuer_url: str, encoded_list: str, built_at: datetime) -> dict[str, Any]:
    """A BitstringStatusListCredential (W3C Bitstring Status List v1.0) for revocation."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url,
        "validFrom": datetime_z(built_at.replace(tzinfo=UTC) if built_at.tzinfo is None else built_at),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }


def issuer_profile(issuer_url: str, name: str, home_url: str, keys: list[SigningKey],
                   key_url: dict[str, str]) -> dict[str, Any]:
    """The issuer's OB 3.0 Profile, listing every key (old ones too) as a verification method for assertions."""
    methods = [{"id": key_url[key.key_id], "type": "JsonWebKey", "controller": issuer_url,
                "publicKeyJwk": {**key.public_jwk(), "kid": key_url[key.key_id]}} for key in keys]
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, CID_CONTEXT],
        "id": issuer_url,
        "type": ["Profile"],
        "name": name,
        "url": home_url,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
