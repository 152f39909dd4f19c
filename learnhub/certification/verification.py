"""Checking a signed credential as a third party does (OB 3.0 sections 8.2.5 and 9.1, Bitstring Status List
section 3.2): only from what is published — the JWS, the public key its `kid` names and the status list it
points at. The verification page uses it, so what it shows is what any verifier would conclude.

Pure: the caller passes how to look a key or a status list up by URL (over HTTP for a stranger; from the same
functions that serve them for the page).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from learnhub.certification.keys import ALGORITHM
from learnhub.certification.status_list import decode_bitstring, is_set

__all__ = ["Outcome", "Verdict", "verify"]


class Outcome(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    INVALID = "invalid"  # the signature or a claim does not hold: nothing in it can be trusted


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    problem: str = ""  # why INVALID, in English for logs and tests
    credential: dict[str, Any] | None = None
    key_url: str = ""

    @property
    def is_signature_valid(self) -> bool:
        return self.outcome is not Outcome.INVALID


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _from_numeric(value: object) -> datetime:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError("not a NumericDate")
    return datetime.fromtimestamp(value, UTC)


def _verified_payload(token: str, resolve_key: Callable[[str], dict[str, Any] | None]) -> tuple[dict[str, Any], str]:
    """Steps 1-5 of OB 3.0 8.2.5: the header's `kid`, its public key, the signature, then the payload."""
    header = jws.extract_compact(token.strip().encode()).protected
    if header.get("alg") != ALGORITHM:
        raise ValueError(f"unexpected algorithm {header.get('alg')!r}")
    key_url = header.get("kid")
    if not isinstance(key_url, str):
        raise ValueError("no kid in the JOSE header")
    jwk = resolve_key(key_url)
    if jwk is None:
        raise ValueError(f"the key {key_url} is not published")
    if "d" in jwk:
        raise ValueError("a published key must never be private")
    compact = jws.deserialize_compact(token.strip(), RSAKey.import_key(jwk), algorithms=[ALGORITHM])
    payload = json.loads(compact.payload)
    if not isinstance(payload, dict):
        raise ValueError("the payload is not a JSON object")
    return payload, key_url


def _check_claims(payload: dict[str, Any]) -> None:
    """OB 3.0 8.2.5.1: each registered claim must equal the credential property it stands for."""
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = payload.get("credentialSubject") or {}
    if payload.get("iss") != issuer_id:
        raise ValueError("iss does not match issuer.id")
    if payload.get("sub") != subject.get("id"):
        raise ValueError("sub does not match credentialSubject.id")
    if payload.get("jti") != payload.get("id"):
        raise ValueError("jti does not match id")
    if _from_numeric(payload.get("nbf")) != _moment(payload["validFrom"]):
        raise ValueError("nbf does not match validFrom")
    if "exp" in payload and ("validUntil" not in payload
                             or _from_numeric(payload["exp"]) != _moment(payload["validUntil"])):
        raise ValueError("exp does not match validUntil")


def _is_revoked(status: dict[str, Any], issuer_id: str, resolve_key: Callable[[str], dict[str, Any] | None],
                fetch_status_list: Callable[[str], str | None]) -> bool:
    """Bitstring Status List 3.2: fetch the list, verify it, check it is the issuer's and for revocation, read
    the bit."""
    if status.get("type") != "BitstringStatusListEntry" or status.get("statusPurpose") != "revocation":
        raise ValueError("unknown credentialStatus")
    list_url = status["statusListCredential"]
    token = fetch_status_list(list_url)
    if token is None:
        raise ValueError(f"the status list {list_url} cannot be fetched")
    status_list, _ = _verified_payload(token, resolve_key)
    _check_claims(status_list)
    if status_list.get("id") != list_url or status_list.get("issuer") != issuer_id:
        raise ValueError("the status list is not the one named, or not the issuer's")
    if "BitstringStatusListCredential" not in status_list.get("type", []):
        raise ValueError("not a BitstringStatusListCredential")
    subject = status_list["credentialSubject"]
    if subject.get("statusPurpose") != "revocation":
        raise ValueError("the status list is not for revocation")
    bits = decode_bitstring(subject["encodedList"])
    if len(bits) * 8 < 131_072:
        raise ValueError("the status list is shorter than the specification's minimum")
    position = int(status["statusListIndex"])
    if not 0 <= position < len(bits) * 8:
        raise ValueError("statusListIndex is outside the list")
    return is_set(bits, position)


def verify(token: str, resolve_key: Callable[[str], dict[str, Any] | None],
           fetch_status_list: Callable[[str], str | None], now: datetime) -> Verdict:
    """What a verifier concludes about a VC-JWT OpenBadgeCredential at `now` (aware or naive UTC)."""
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    try:
        credential, key_url = _verified_payload(token, resolve_key)
        _check_claims(credential)
        if not {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential.get("type", [])):
            raise ValueError("not an OpenBadgeCredential")
        issuer = credential["issuer"]
        issuer_id = issuer["id"] if isinstance(issuer, dict) else issuer
        if not key_url.startswith(issuer_id.rstrip("/") + "/"):
            raise ValueError("the key is not the issuer's")
        revoked = _is_revoked(credential["credentialStatus"], issuer_id, resolve_key, fetch_status_list)
    except (JoseError, ValueError, KeyError, TypeError, AttributeError) as error:
        return Verdict(Outcome.INVALID, problem=str(error) or type(error).__name__)
    if revoked:
        return Verdict(Outcome.REVOKED, credential=credential, key_url=key_url)
    if now < _moment(credential["validFrom"]):
        return Verdict(Outcome.NOT_YET_VALID, credential=credential, key_url=key_url)
    if "validUntil" in credential and now >= _moment(credential["validUntil"]):
        return Verdict(Outcome.EXPIRED, credential=credential, key_url=key_url)
    return Verdict(Outcome.VALID, credential=credential, key_url=key_url)
