"""The certificate as a PDF and as an Open Badges 3.0 credential, worded in the reader's language."""

import hashlib

from flask import current_app
from flask_babel import force_locale, get_locale

from learnhub.caching import kept
from learnhub.certification.badges import CredentialData, open_badge_credential
from learnhub.certification.issuer import issuer_url, status_list_url_for
from learnhub.certification.models import Certificate
from learnhub.certification.status_list import entry_for
from learnhub.dates import format_date
from learnhub.i18n import _, latin_to_cyrillic, to_reader_script
from learnhub.mail.services import external_url


def institute_name(language: str) -> str:
    """The institute's name as written in `language` (INSTITUTE_NAME, INSTITUTE_NAME_SR_LATN,
    INSTITUTE_NAME_BS); Serbian Cyrillic is the Latin name transliterated, and a language without
    a name of its own gets the English one."""
    config = current_app.config
    english = config["INSTITUTE_NAME"]
    if language == "sr_Cyrl":
        return latin_to_cyrillic(config["INSTITUTE_NAME_SR_LATN"] or english)
    return {"sr_Latn": config["INSTITUTE_NAME_SR_LATN"], "bs": config["INSTITUTE_NAME_BS"]}.get(language) or english


def verification_url(certificate: Certificate) -> str:
    return external_url("certification.verify", code=certificate.code)


def pdf_for(certificate: Certificate, language: str) -> bytes:
    """The PDF in `language`; Serbian Cyrillic readers get names and titles transliterated."""
    # fpdf2 and segno weigh about 20 MB per worker: loaded when the first PDF is asked for.
    from learnhub.certification.pdf import CertificateDocument, certificate_pdf

    with force_locale(language):
        details = [(_("Issued on"), format_date(certificate.issued_at, long=True)),
                   (_("Valid until"), format_date(certificate.expires_at, long=True) if certificate.expires_at
                    else _("no expiry")),
                   (_("CPD points"), str(certificate.cpd_points)),
                   (_("Version"), str(certificate.version.number))]
        if certificate.cohort is not None:
            details.append((_("Cohort"), to_reader_script(certificate.cohort.name)))
        document = CertificateDocument(
            heading=_("Certificate"),
            holder_name=to_reader_script(certificate.holder.display_name),
            statement=_("has completed the learning set"),
            learning_set_title=to_reader_script(certificate.version.display_title),
            details=tuple(details),
            issuer=institute_name(language),
            verification_url=verification_url(certificate),
            short_code=certificate.readable_code,
            verify_hint=_("Check this certificate at"),
        )
    # The PDF is made from what the document says and nothing else: kept under a digest of all of it,
    # a kept copy is never out of date (a renamed holder or a new date is another document).
    digest = hashlib.sha256(repr(document).encode()).hexdigest()
    return kept(f"certificate-pdf:{digest}", lambda: certificate_pdf(document), current_app.config["KEPT_PAGE_SECONDS"])


def credential_for(certificate: Certificate, show_holder: bool = True) -> dict:
    version = certificate.version
    language = str(get_locale())  # the page's language: criteria and names are written in it
    return open_badge_credential(CredentialData(
        credential_url=external_url("certification.verify_json", code=certificate.code),
        issuer_url=issuer_url(),
        issuer_name=institute_name(language),
        issuer_home=current_app.config["BASE_URL"],
        achievement_url=external_url("curriculum.learning_set", slug=version.slug) + f"#v{version.number}",
        achievement_name=version.display_title,
        achievement_description=version.display_summary,
        criteria=version.rule.criteria(),
        holder_name=certificate.holder.display_name if show_holder else None,
        issued_at=certificate.issued_at,
        valid_until=certificate.expires_at,
        status_list_url=status_list_url_for(certificate.status_index),
        status_list_index=entry_for(certificate.status_index).position,
        cpd_points=certificate.cpd_points,
        language=language.replace("_", "-"),  # BCP 47: sr-Latn, sr-Cyrl
    ))
