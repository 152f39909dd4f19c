"""A certificate as a signed Open Badges 3.0 credential (VC-JWT), and the check the verification page shows."""

from learnhub.certification.documents import credential_for
from learnhub.certification.issuer import key_url, public_jwk, published_status_list, signing_key, status_list_url
from learnhub.certification.models import Certificate
from learnhub.certification.signing import sign
from learnhub.certification.status_list import entry_for
from learnhub.certification.verification import Verdict, verify
from learnhub.timeutil import utcnow

__all__ = ["check", "signed_credential"]


def signed_credential(certificate: Certificate) -> str:
    """The Compact JWS a holder keeps and shows; signed with the newest key. After erasure it carries no name."""
    key = signing_key()
    return sign(credential_for(certificate, show_holder=not certificate.holder.is_erased), key, key_url(key.key_id))


def check(certificate: Certificate) -> Verdict:
    """Verify the signed credential exactly as a third party would: by the key its header names and the status
    list it points at, as this site serves them."""
    own_list = status_list_url(entry_for(certificate.status_index).list_number)

    def fetch_status_list(url: str) -> str | None:
        return published_status_list(entry_for(certificate.status_index).list_number) if url == own_list else None

    return verify(signed_credential(certificate), public_jwk, fetch_status_list, utcnow())
