"""Anyone holding a printed certificate can check it: the page says whose check it is and takes a code."""

from learnhub.extensions import db
from tests.factories import EnrolmentFactory, certificate_for


def test_the_check_page_names_the_institute_and_offers_a_field_for_the_code(client):
    client.set_cookie("lang", "sr_Cyrl")
    page = client.get("/verify").get_data(as_text=True)
    assert "Завод за социјалну заштиту" in page
    assert 'name="code"' in page and 'action="/verify"' in page


def test_a_typed_or_pasted_code_leads_to_its_certificate(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    typed = client.get("/verify", query_string={"code": f"  {certificate.readable_code.lower()} "})
    assert typed.status_code == 302 and typed.location.endswith(f"/verify/{certificate.code}")
    pasted = client.get("/verify", query_string={"code": f"https://learnhub.example/verify/{certificate.code}"})
    assert pasted.location.endswith(f"/verify/{certificate.code}")


def test_an_unknown_code_is_answered_on_the_page_with_the_code_kept_to_correct(client):
    page = client.get("/verify", query_string={"code": "ABCD-EFGH"})
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "No certificate has this code" in text and 'value="ABCD-EFGH"' in text


def test_an_empty_field_asks_for_a_code(client):
    page = client.get("/verify", query_string={"code": "  "})
    assert page.status_code == 400 and "Please type or paste" in page.get_data(as_text=True)


def test_a_certificate_page_names_its_issuer_and_offers_to_check_another(client):
    certificate = certificate_for(EnrolmentFactory())
    db.session.commit()
    text = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Issued by" in text and "Institute for Social Protection" in text and 'name="code"' in text
