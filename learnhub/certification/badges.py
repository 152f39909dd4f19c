"""A certificate as an Open Badges 3.0 `OpenBadgeCredential` (1EdTech OB 3.0 on the W3C Verifiable
Credentials Data Model 2.0), so wallets and other systems can read it.

Pure function: the caller passes everything in (URLs, translated texts, the status it computed)
and gets a JSON-ready dict back. The credential is NOT cryptographically signed: there is no
`proof`, so it is a plain OB 3.0-shaped document, not a *verifiable* credential. Consumers trust
it because they fetch it over HTTPS from the issuer's own `id` URL, which always reflects the
current status.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "VC_CONTEXT", "OB_CONTEXT", "STATUS_TYPE", "STATUSES",
    "CredentialData", "open_badge_credential",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# Why not "1EdTechRevocationList": that method (1EdTech VCRL 1.0) requires credentialStatus.id to be
# the URL of a separately published revocation-list document, which LearnHub does not serve; a
# consumer following it to `<credential>#status` would fetch this credential instead and fail.
# OB 3.0 (B.1.22) lets CredentialStatus carry any method name in `type` plus extra properties,
# so we name our own method and state the status inline; undefined terms fall under the VC v2
# context's issuer-dependent @vocab, so JSON-LD processing still succeeds.
STATUS_TYPE = "LearnHubCertificateStatus"
STATUSES = frozenset({"valid", "expired", "revoked"})


@dataclass(frozen=True)
class CredentialData:
    credential_url: str        # this JSON document's own URL -> "id"
    verification_url: str      # the human verification page
    issuer_url: str            # the issuer Profile id
    issuer_name: str
    achievement_url: str       # learning set version, e.g. .../learning-sets/<slug>#v3
    achievement_name: str
    achievement_description: str
    criteria: str              # narrative of the certification rule (Markdown allowed)
    holder_name: str | None    # None when the holder was anonymised
    issued_at: datetime        # naive UTC
    valid_until: datetime | None
    status: str                # one of STATUSES
    revoked_reason: str = ""   # published: the reason chosen to be shown, never an internal note
    cpd_points: int = 0
    language: str = "en"


def open_badge_credential(data: CredentialData) -> dict:
    if data.status not in STATUSES:
        raise ValueError(f"unknown certificate status {data.status!r}")

    achievement: dict = {
        "id": data.achievement_url,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": data.achievement_name,
        "description": data.achievement_description,
        "criteria": {"narrative": data.criteria},
        "inLanguage": data.language,
    }
    subject: dict = {"type": ["AchievementSubject"], "achievement": achievement}
    if data.holder_name is not None:
        # A plain (unhashed) name: it is already printed on the public verification page.
        subject["identifier"] = [{
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": data.holder_name,
        }]
    else:
        # OB 3.0 needs `id` or an `identifier` on the subject; a fragment of this credential names
        # "its holder" without revealing or linking anyone.
        subject["id"] = f"{data.credential_url}#holder"
    if data.cpd_points:
        # OB's own place for credit: what the learning set offers and what this holder earned.
        achievement["creditsAvailable"] = data.cpd_points
        subject["creditsEarned"] = data.cpd_points

    credential: dict = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": data.credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data.achievement_name,
        "issuer": {"id": data.issuer_url, "type": ["Profile"], "name": data.issuer_name, "url": data.issuer_url},
        "validFrom": _datetime_z(data.issued_at),
        "credentialSubject": subject,
        "credentialStatus": _status(data),
    }
    if data.valid_until is not None:
        credential["validUntil"] = _datetime_z(data.valid_until)
    return credential


def _status(data: CredentialData) -> dict:
    status = {
        "id": f"{data.credential_url}#status",
        "type": STATUS_TYPE,
        "status": data.status,
        "verificationPage": data.verification_url,
    }
    if data.status == "revoked" and data.revoked_reason:
        status["reason"] = data.revoked_reason
    return status


def _datetime_z(moment: datetime) -> str:
    """DateTimeZ as OB 3.0 requires: UTC with a literal Z, whole seconds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"
