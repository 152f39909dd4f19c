"""The certificate PDF read back with pypdf: one A4 landscape page, extractable text in both scripts, a QR image."""

from dataclasses import replace
from io import BytesIO

import pytest
from pypdf import PdfReader

from learnhub.certification.pdf import CertificateDocument, certificate_pdf

A4_LANDSCAPE_POINTS = (841.89, 595.28)
URL = "https://learnhub.example/certificates/verify/K7QF2M9XTR4D"


def make_document(**overrides) -> CertificateDocument:
    fields = dict(
        heading="Сертификат",
        holder_name="Љиљана Ђорђевић",
        statement="је успешно завршила скуп учења",
        learning_set_title="Рад са породицама у кризи",
        details=(("Издато", "12. 3. 2027."), ("Важи до", "12. 3. 2030."), ("CPD бодови", "8"),
                 ("Кохорта", "Пролеће 2027, Рума"), ("Верзија", "3")),
        issuer="Републички завод за социјалну заштиту",
        verification_url=URL,
        short_code="K7QF-2M9X-TR4D",
        verify_hint="Проверите овај сертификат на",
    )
    return CertificateDocument(**{**fields, **overrides})


def read(document: CertificateDocument) -> PdfReader:
    return PdfReader(BytesIO(certificate_pdf(document)))


def page_text(document: CertificateDocument) -> str:
    return read(document).pages[0].extract_text()


def test_certificate_is_one_a4_landscape_page():
    data = certificate_pdf(make_document())
    reader = PdfReader(BytesIO(data))

    assert data.startswith(b"%PDF")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE_POINTS, abs=0.5)


def test_metadata_names_the_certificate_and_learnhub_as_creator():
    metadata = read(make_document()).metadata

    assert metadata.title == "Сертификат: Рад са породицама у кризи"
    assert metadata.creator == "LearnHub"


@pytest.mark.parametrize("holder_name", ["Љиљана Ђорђевић", "Šćepanović Žarko", "Đurđa Ćirić Njegoš"],
                         ids=["cyrillic", "latin", "latin capitals with diacritics"])
def test_holder_name_is_extractable_in_either_script(holder_name):
    assert holder_name in page_text(make_document(holder_name=holder_name))


def test_title_code_url_and_details_are_extractable():
    text = page_text(make_document(learning_set_title="Џепни водич: љубав, њега, ћутање, жар, шума"))

    for expected in ["Сертификат", "Џепни водич: љубав, њега, ћутање, жар, шума", "K7QF-2M9X-TR4D", URL,
                     "Проверите овај сертификат на", "Пролеће 2027, Рума", "Републички завод за социјалну заштиту"]:
        assert expected in text


def test_qr_code_is_embedded_as_an_image():
    page = read(make_document()).pages[0]

    assert len(page.images) == 1


def test_very_long_title_still_fits_on_one_page():
    title = " ".join(["Intervencije u kriznim situacijama za porodice sa decom sa smetnjama u razvoju"] * 12)

    reader = read(make_document(learning_set_title=title))

    assert len(reader.pages) == 1
    assert reader.pages[0].extract_text().count("Intervencije") < 12  # cut with an ellipsis, not overflowing


def test_long_name_many_details_and_long_url_still_fit_on_one_page():
    document = make_document(
        holder_name="Александра Константиновић-Живановић Петровић Радосављевић " * 3,
        details=tuple((f"Ред {n}", f"Вредност {n}") for n in range(14)),
        verification_url=URL + "?utm_source=print&utm_medium=certificate&utm_campaign=spring",
    )

    reader = read(document)

    assert len(reader.pages) == 1
    assert len(reader.pages[0].images) == 1


def test_same_document_gives_the_same_page_content():
    document = make_document()

    first, second = (read(replace(document)).pages[0].get_contents().get_data() for _ in range(2))

    assert first == second


@pytest.mark.parametrize("code", ["WWWW-WWWW-WWWW-WWWW-WWWW-WWWW-WWWW-WWWW", "2IJ7-7JI2-2IJ7-7JI2-2IJ7-7JI2-2IJ7-7JI2"],
                         ids=["widest letters", "narrowest letters"])
def test_a_full_length_code_shows_whole_on_two_lines(code):
    text = page_text(make_document(short_code=code))
    assert code[:19] + "\n" + code[20:] in text and "…" not in text


def test_a_certificates_pdf_is_made_once_and_again_when_anything_on_it_changes(make_app, monkeypatch):
    from learnhub.certification import pdf
    from learnhub.certification.documents import pdf_for
    from learnhub.extensions import db
    from tests.factories import EnrolmentFactory, certificate_for

    made = []
    real = pdf.certificate_pdf
    monkeypatch.setattr(pdf, "certificate_pdf", lambda document: made.append(document) or real(document))
    app = make_app(CACHE_TYPE="SimpleCache")
    with app.app_context(), app.test_request_context():
        certificate = certificate_for(EnrolmentFactory())
        db.session.commit()
        first = pdf_for(certificate, "sr_Latn")
        assert pdf_for(certificate, "sr_Latn") == first and len(made) == 1  # kept, not made again
        pdf_for(certificate, "en")
        certificate.holder.display_name = "Jelena Novo Ime"
        renamed = PdfReader(BytesIO(pdf_for(certificate, "sr_Latn"))).pages[0].extract_text()
        assert "Jelena Novo Ime" in renamed and len(made) == 3
