"""The institute is named in the reader's language on the PDF, the verification page and the credential."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from learnhub.certification.documents import credential_for, institute_name
from learnhub.config import Config
from learnhub.extensions import db
from tests.factories import PASSWORD, EnrolmentFactory, UserFactory, certificate_for

NAMES = {"INSTITUTE_NAME": "Institute for Social Protection of Vojvodina",
         "INSTITUTE_NAME_SR_LATN": "Pokrajinski zavod za socijalnu zaštitu",
         "INSTITUTE_NAME_BS": "Zavod za socijalnu zaštitu Kantona"}


@pytest.mark.parametrize("language, name", [
    ("en", "Institute for Social Protection of Vojvodina"),
    ("sr_Latn", "Pokrajinski zavod za socijalnu zaštitu"),
    ("sr_Cyrl", "Покрајински завод за социјалну заштиту"),  # derived from the Latin name, not the English
    ("bs", "Zavod za socijalnu zaštitu Kantona"),
])
def test_the_institute_is_named_in_each_language(make_app, language, name):
    with make_app(**NAMES).app_context():
        assert institute_name(language) == name


def test_the_default_names_are_in_each_language():
    assert Config.INSTITUTE_NAME == "Institute for Social Protection"
    assert Config.INSTITUTE_NAME_SR_LATN == "Zavod za socijalnu zaštitu"
    assert Config.INSTITUTE_NAME_BS == "Zavod za socijalnu zaštitu"


@pytest.mark.parametrize("language, name, transliterated", [
    ("sr_Cyrl", "Завод за социјалну заштиту", "Институте"),
    ("sr_Latn", "Zavod za socijalnu zaštitu", "Institute"),
    ("bs", "Zavod za socijalnu zaštitu", "Institute"),
    ("en", "Institute for Social Protection", "Zavod"),
])
def test_the_pdf_names_the_institute_in_the_readers_language(client, auth, language, name, transliterated):
    holder = UserFactory(preferred_language=language)
    certificate = certificate_for(EnrolmentFactory(user=holder))
    db.session.commit()
    auth.login(holder.email, PASSWORD)
    text = PdfReader(BytesIO(client.get(f"/certificates/{certificate.id}.pdf").data)).pages[0].extract_text()
    assert name in text and transliterated not in text


def test_the_verification_page_names_the_institute_in_the_visitors_language(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    client.set_cookie("lang", "sr_Cyrl")
    assert "Завод за социјалну заштиту" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "Institute for Social Protection" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_the_credentials_issuer_is_named_in_the_language_it_is_written_in(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    client.set_cookie("lang", "bs")
    credential = client.get(f"/verify/{certificate.code}.json").json
    assert credential["issuer"]["name"] == "Zavod za socijalnu zaštitu"
    assert credential["credentialSubject"]["achievement"]["inLanguage"] == "bs"


def test_credential_for_names_the_institute_in_english_by_default(app):
    with app.test_request_context():
        assert credential_for(certificate_for(EnrolmentFactory()))["issuer"]["name"] == "Institute for Social Protection"


def test_the_readme_documents_the_institute_names():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for setting in NAMES:
        assert re.search(rf"`{setting}`", table), setting
