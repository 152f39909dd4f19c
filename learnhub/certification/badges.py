"""A certificate as an Open Badges 3.0 `OpenBadgeCredential` (1EdTech OB 3.0 on the W3C Verifiable
Credentials Data Model 2.0), so wallets and other systems can read it.

Pure function: the caller passes everything in (URLs, translated texts, its place in the status list)
and gets a JSON-ready dict back. signing.py secures it as a VC-JWT; this dict is the JWT's payload
less the JWT claims, and what /verify/<code>.json shows. Revocation is not stated in it but in the
W3C Bitstring Status List it points at, so anyone can check it the standard way.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "VC_CONTEXT", "OB_CONTEXT", "OB_SCHEMA", "STATUS_TYPE",
    "CredentialData", "datetime_z", "open_badge_credential",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# 1EdTech's published JSON Schema for AchievementCredential: OB 3.0 verifiers check a credential against it.
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
# W3C Bitstring Status List v1.0: the VC Data Model 2.0's standard way to say "revoked".
STATUS_TYPE = "BitstringStatusListEntry"


@dataclass(frozen=True)
class CredentialData:
    credential_url: str        # this JSON document's own URL -> "id"
    issuer_url: str            # the issuer Profile id, where its keys are listed
    issuer_name: str
    issuer_home: str           # the institute's site (BASE_URL)
    achievement_url: str       # learning set version, e.g. .../learning-sets/<slug>#v3
    achievement_name: str
    achievement_description: str
    criteria: str              # narrative of the certification rule (Markdown allowed)
    holder_name: str | None    # None when the holder was anonymised
    issued_at: datetime        # naive UTC
    valid_until: datetime | None
    status_list_url: str       # the BitstringStatusListCredential holding this certificate's bit
    status_list_index: int     # the bit's position in that list
    cpd_points: int = 0
    language: str = "en"


def open_badge_credential(data: CredentialData) -> dict:
    achievement: dict = {
        "id": data.achievement_url,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": data.achievement_name,
        "description": data.achievement_description,
        "criteria": {"narrative": data.criteria},
        "inLanguage": data.language,
    }
    # VC-JWT's `sub` claim must repeat credentialSubject.id: a fragment of this credential names "its
    # holder" without revealing or linking anyone (no e-mail, no account id).
    subject: dict = {"id": f"{data.credential_url}#holder", "type": ["AchievementSubject"], "achievement": achievement}
    if data.holder_name is not None:
        # A plain (unhashed) name: it is already printed on the public verification page.
        subject["identifier"] = [{
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": data.holder_name,
        }]
    if data.cpd_points:
        # OB's own place for credit: what the learning set offers and what this holder earned.
        achievement["creditsAvailable"] = data.cpd_points
        subject["creditsEarned"] = data.cpd_points

    credential: dict = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": data.credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data.achievement_name,
        "issuer": {"id": data.issuer_url, "type": ["Profile"], "name": data.issuer_name, "url": data.issuer_home},
        "validFrom": datetime_z(data.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{data.status_list_url}#{data.status_list_index}",
            "type": STATUS_TYPE,
            "statusPurpose": "revocation",
            "statusListIndex": str(data.status_list_index),
            "statusListCredential": data.status_list_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if data.valid_until is not None:
        credential["validUntil"] = datetime_z(data.valid_until)
    return credential


def datetime_z(moment: datetime) -> str:
    """DateTimeZ as OB 3.0 requires: UTC with a literal Z, whole seconds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"
