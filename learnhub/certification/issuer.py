"""The issuer's published material: its Profile with its keys, each key on its own, and the revocation status
lists; all at stable URLs on BASE_URL, all a verifier needs besides the credential itself."""

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app

from learnhub.certification.keys import SigningKey, keys_for_use
from learnhub.certification.signing import issuer_profile, sign, status_list_credential
from learnhub.certification.status_list import bitstring, encode_bitstring, entry_for, revoked_indexes
from learnhub.mail.services import external_url
from learnhub.timeutil import utcnow

__all__ = ["issuer_document", "issuer_url", "key_url", "public_jwk", "published_status_list", "signing_key",
           "signing_keys", "status_list_url", "status_list_url_for"]


def issuer_url() -> str:
    return external_url("certification.issuer_profile")


def key_url(key_id: str) -> str:
    return external_url("certification.issuer_key", key_id=key_id)


def status_list_url(list_number: int) -> str:
    return external_url("certification.status_list", list_number=list_number)


def status_list_url_for(status_index: int) -> str:
    return status_list_url(entry_for(status_index).list_number)


def signing_keys() -> list[SigningKey]:
    """Every key, oldest first; outside production a first key is made in CREDENTIAL_KEYS_DIR when there is none
    (production refuses to start without one, see create_app)."""
    directory = Path(current_app.config["CREDENTIAL_KEYS_DIR"])
    listing = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.pem"))) if directory.is_dir() else ()
    if not listing:
        return keys_for_use(directory, may_generate=current_app.config["ENV_NAME"] != "production")
    return _keys_as_listed(str(directory), listing)


@lru_cache(maxsize=4)
def _keys_as_listed(directory: str, _listing: tuple[tuple[str, int], ...]) -> list[SigningKey]:
    # Parsing keys costs milliseconds: done again only when a file is added, removed or changed (a rotation).
    return keys_for_use(Path(directory), may_generate=False)


def signing_key() -> SigningKey:
    """The newest key: it signs everything from its creation on."""
    return signing_keys()[-1]


def public_jwk(url: str) -> dict[str, Any] | None:
    """The public JWK a key URL answers with, or None when no key of ours has that URL."""
    for key in signing_keys():
        if key_url(key.key_id) == url:
            return {**key.public_jwk(), "kid": url}
    return None


def issuer_document(name: str) -> dict[str, Any]:
    keys = signing_keys()
    return issuer_profile(issuer_url(), name, current_app.config["BASE_URL"], keys,
                          {key.key_id: key_url(key.key_id) for key in keys})


def published_status_list(list_number: int) -> str:
    """The signed status list as served: built from the certificates revoked now, so revoking and reinstating
    show at the next fetch."""
    url = status_list_url(list_number)
    encoded = encode_bitstring(bitstring(revoked_indexes(list_number)))
    credential = status_list_credential(url, issuer_url(), encoded, _first_served(url, encoded))
    key = signing_key()
    return sign(credential, key, key_url(key.key_id))


@lru_cache(maxsize=64)
def _first_served(_url: str, _encoded_list: str) -> datetime:
    """When this worker first served this list with these revocations: dated so, the same list is the same
    signed text (signed once, see signing.sign) rather than re-signed with a new date at every view."""
    return utcnow()
