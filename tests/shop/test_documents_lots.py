"""#17 item 5: a product's OCOP certificate sets its badge only while valid; the expiry job warns the seller 60
days before (once) and takes the rating off at expiry; lots have a public page and a QR label whose URL (GS1
Digital Link with a GTIN, the site's /lot/<id> without) decodes and resolves to that page."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import segno
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import Notification
from app.core.storage import get_storage
from app.shop import documents, lots
from app.shop.models import Product, ProductDocument, ProductLot
from tests.core.files import pdf

PDF = pdf()

TODAY = date(2026, 12, 6)


@pytest.fixture
def product(seller, make_product):
    return make_product(*seller, "Bưởi Diễn")


def ocop(stars=4, level="province", issued=date(2024, 3, 1), expires=None):
    return documents.DocumentData(kind="ocop", number="OCOP-HN-0042", ocop_stars=stars, issuing_level=level,
                                  issued_on=issued, expires_on=expires)


def test_an_ocop_certificate_is_valid_36_months_and_sets_the_badge(db, app, seller, product):
    doc = documents.add_document(seller[0], product, ocop(), PDF, get_storage(), today=TODAY)
    db.session.commit()
    assert doc.expires_on == date(2027, 3, 1) and doc.file_key.startswith("private/")
    assert (product.ocop_stars, product.ocop_expires_on) == (4, date(2027, 3, 1))
    assert product.ocop_valid(TODAY) and not product.ocop_valid(date(2027, 3, 2))
    assert documents.documents_missing(product, ("ocop", "food_safety"), on=TODAY) == ["food_safety"]
    assert documents.documents_missing(product, ("ocop",), on=date(2027, 3, 2)) == ["ocop"]
    assert [d.id for d in documents.product_documents(product.id)] == [doc.id]


@pytest.mark.parametrize("data,code", [
    (ocop(stars=5, level="province"), "invalid_level"), (ocop(stars=3, level="ministry"), "invalid_level"),
    (ocop(stars=2), "invalid_ocop"), (ocop(issued=None), "invalid_date"),
    (ocop(issued=date(2027, 1, 1)), "invalid_date"), (ocop(issued=date(2020, 1, 1)), "expired"),
])
def test_bad_certificates_are_refused_and_nothing_changes(db, seller, product, data, code):
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        documents.add_document(seller[0], product, data, PDF, get_storage(), today=TODAY)
    db.session.rollback()
    assert caught.value.code == code
    assert db.session.scalar(select(func.count(ProductDocument.id))) == 0 and product.ocop_stars is None


def test_a_file_that_is_not_a_pdf_or_photo_is_refused(db, seller, product):
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        documents.add_document(seller[0], product, ocop(), b"MZ\x90\x00 not a paper", get_storage(), today=TODAY)
    assert caught.value.code == "file_type"


def test_the_expiry_job_warns_once_60_days_before_and_removes_the_badge_at_expiry(db, runner, seller, product,
                                                                                   monkeypatch):
    documents.add_document(seller[0], product, ocop(issued=date(2024, 1, 10)), PDF, get_storage(), today=TODAY)
    db.session.commit()  # expires 10/01/2027: 35 days after TODAY
    assert documents.run_expiry(date(2026, 10, 1), 60) == {"warned": 0, "expired": 0}, "101 days before: quiet"
    assert documents.run_expiry(TODAY, 60) == {"warned": 1, "expired": 0}
    assert documents.run_expiry(TODAY, 60) == {"warned": 0, "expired": 0}, "warned once"
    db.session.commit()
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == seller[0].id)).all()
    assert note.kind == "certificate_expiring" and f"/products/{product.id}" in note.link
    assert product.ocop_valid(date(2027, 1, 10))
    assert documents.run_expiry(date(2027, 1, 11), 60) == {"warned": 0, "expired": 1}
    db.session.commit()
    db.session.refresh(product)
    assert product.ocop_stars is None and not product.ocop_valid(date(2027, 1, 11))

    # The CLI reads the warning days from the dated setting (60).
    result = runner.invoke(args=["compliance", "expire-certificates"])
    assert result.exit_code == 0 and "within 60 days" in result.output


def test_the_badge_shows_on_the_product_page_only_while_valid(db, client, seller, product):
    documents.add_document(seller[0], product, ocop(issued=date.today() - timedelta(days=30)), PDF, get_storage())
    db.session.commit()
    url = f"/shop/p/{product.id}/{product.slug}"
    assert "OCOP ★★★★" in client.get(url).get_data(as_text=True)
    product.ocop_expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert "OCOP ★★★★" not in client.get(url).get_data(as_text=True)


def test_the_seller_uploads_a_paper_from_the_edit_page_and_strangers_cannot(db, client, auth, seller, product,
                                                                          factory):
    url = f"/shop/manage/{seller[1].slug}/products/{product.id}/documents"
    form = {"doc-kind": "food_safety", "doc-number": "ATTP-123", "doc-expires_on": "2028-01-01",
            "doc-file": (io.BytesIO(PDF), "giay.pdf")}
    auth.login_as(factory.user("Người Lạ"))
    assert client.post(url, data=dict(form, **{"doc-file": (io.BytesIO(PDF), "giay.pdf")}),
                       content_type="multipart/form-data").status_code == 403
    auth.logout()
    auth.login_as(seller[0])
    page = client.get(f"/shop/manage/{seller[1].slug}/products/{product.id}").get_data(as_text=True)
    assert 'id="documents"' in page and 'id="lots"' in page
    assert client.post(url, data=form, content_type="multipart/form-data").status_code == 302
    [doc] = db.session.scalars(select(ProductDocument)).all()
    assert (doc.kind, doc.number, doc.expires_on) == ("food_safety", "ATTP-123", date(2028, 1, 1))
    download = client.get(f"{url}/{doc.id}")
    assert download.status_code == 200 and download.data == PDF and "no-store" in download.headers["Cache-Control"]


def decode(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=4)
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
    return found.text


def test_lots_have_a_public_page_and_a_label_that_resolves_to_it(db, client, auth, seller, product):
    lot = lots.add_lot(product, lots.LotData(code="LO-2026/12", produced_on=date(2026, 11, 20), farm="Vườn bà Tư",
                                             plot="Thửa 7", certifications="VietGAP"))
    db.session.commit()
    page = client.get(f"/lot/{lot.id}").get_data(as_text=True)
    assert "LO-2026/12" in page and "Vườn bà Tư" in page and "VietGAP" in page and "20/11/2026" in page

    plain = lots.label_url(lot, "https://cholive.example")
    assert plain == f"https://cholive.example/lot/{lot.id}" and decode(plain) == plain
    lots.set_gtin(product, "8934567890120")
    db.session.commit()
    linked = lots.label_url(lot, "https://cholive.example")
    assert linked == "https://cholive.example/01/08934567890120/10/LO-2026%2F12"
    path = decode(linked).removeprefix("https://cholive.example")
    resolved = client.get(path)
    assert resolved.status_code == 302 and resolved.headers["Location"].endswith(f"/lot/{lot.id}")
    assert client.get("/01/8934567890120/10/LO-2026%2F12").status_code == 302, "any GTIN length"
    assert client.get("/01/08934567890120/10/KHONG-CO").status_code == 404

    auth.login_as(seller[0])
    label = client.get(f"/shop/manage/{seller[1].slug}/products/{product.id}/lots/{lot.id}/label")
    assert label.status_code == 200 and "<svg" in label.get_data(as_text=True)
    assert "/01/08934567890120/10/LO-2026%2F12" in label.get_data(as_text=True)


def test_bad_lots_and_gtins_are_refused(db, seller, product, make_product):
    from app.errors import Conflict, InvalidInput

    for data in (lots.LotData(code="", produced_on=TODAY), lots.LotData(code="LÔ 1", produced_on=TODAY),
                 lots.LotData(code="L1", produced_on=None), lots.LotData(code="L1", produced_on=date(2099, 1, 1))):
        with pytest.raises(InvalidInput):
            lots.add_lot(product, data)
    lots.add_lot(product, lots.LotData(code="L1", produced_on=TODAY))
    with pytest.raises(Conflict):
        lots.add_lot(product, lots.LotData(code="L1", produced_on=TODAY))
    for bad in ("8934567890129", "12345", "abc"):
        with pytest.raises(InvalidInput):
            lots.clean_gtin(bad)
    draft = make_product(*seller, "Nháp", status="draft")
    hidden = lots.add_lot(draft, lots.LotData(code="N1", produced_on=TODAY))
    db.session.commit()
    from app.errors import NotFound

    with pytest.raises(NotFound):
        lots.public_lot(hidden.id)
    assert db.session.scalar(select(func.count(ProductLot.id))) == 2


def test_papers_and_labels_are_for_the_organisation_only(db, client, auth, seller, product, factory):
    doc = documents.add_document(seller[0], product, ocop(), PDF, get_storage(), today=date.today())
    lot = lots.add_lot(product, lots.LotData(code="L9", produced_on=date.today()))
    db.session.commit()
    base = f"/shop/manage/{seller[1].slug}/products/{product.id}"
    other = factory.org(factory.user("Chủ Khác"), name="HTX Khác")
    auth.login_as(factory.user("Người Lạ"))
    for method, path in [("get", f"{base}/documents/{doc.id}"), ("post", f"{base}/documents/{doc.id}/delete"),
                         ("get", f"{base}/lots/{lot.id}/label")]:
        assert getattr(client, method)(path).status_code == 403, path
    auth.logout()
    auth.login_as(other.memberships[0].user)
    assert client.get(f"{base}/documents/{doc.id}").status_code == 403
    assert client.get(f"/shop/manage/{other.slug}/products/{product.id}/documents/{doc.id}").status_code == 404
    assert db.session.scalar(select(func.count(ProductDocument.id))) == 1


def test_the_product_form_cannot_claim_ocop_stars_and_keeps_the_certificates_badge(db, client, auth, seller,
                                                                                   make_product):
    """A badge typed in by hand was a claim nobody had checked: only a certificate sets it now."""
    owner, org = seller
    auth.login_as(owner)
    base = {"code": "", "category": "fruit", "unit": "fruit", "price": "60.000", "status": "active",
            "origin_commune_code": "", "ocop_stars": "5", "ocop_expires_on": "2030-01-01"}
    assert client.post(f"/shop/manage/{org.slug}/products/new", data=dict(base, name="Bưởi tự khai", stock="3"),
                       ).status_code == 302
    claimed = db.session.scalar(select(Product).where(Product.name == "Bưởi tự khai"))
    assert claimed.ocop_stars is None and not claimed.ocop_valid()
    certified = make_product(owner, org, "Bưởi có giấy")
    documents.add_document(owner, certified, ocop(stars=4, issued=date.today() - timedelta(days=30)), PDF,
                           get_storage())
    db.session.commit()
    page = client.get(f"/shop/manage/{org.slug}/products/{certified.id}").get_data(as_text=True)
    assert 'data-testid="ocop-hint"' in page and 'name="ocop_stars"' not in page.split('id="documents"')[0]
    assert client.post(f"/shop/manage/{org.slug}/products/{certified.id}",
                       data=dict(base, name="Bưởi có giấy loại 1", ocop_stars="")).status_code == 302
    db.session.expire_all()
    kept = db.session.get(Product, certified.id)
    assert kept.name == "Bưởi có giấy loại 1" and kept.ocop_stars == 4 and kept.ocop_valid()
