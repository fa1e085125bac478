"""Dated rules: defaults until the admin writes, values by effective date, bad input refused, admins only."""
from __future__ import annotations

from datetime import date

import pytest


def test_every_shop_category_has_a_documented_tax_group():
    """A category added to the shop must be given a tax group here (else it is withheld at the highest rate)."""
    from app.compliance import defaults
    from app.shop.models import CATEGORY_CODES

    assert {d.key for d in defaults.SETTINGS if d.key.startswith("tax_kind.")} == {f"tax_kind.{c}" for c in CATEGORY_CODES}


def test_defaults_apply_until_the_admin_chooses_and_are_then_copied(db, admin):
    from app.compliance import settings
    from app.compliance.models import ComplianceSetting, WithholdingRate

    assert settings.mode() == "own_shop" and not settings.mode_chosen()
    assert settings.rate("goods", date(2026, 1, 1)).is_default
    settings.choose_mode(admin, "marketplace", date(2026, 2, 1))
    db.session.commit()
    assert settings.mode(date(2026, 1, 31)) == "own_shop" and settings.mode(date(2026, 2, 1)) == "marketplace"
    assert db.session.query(WithholdingRate).count() == 3 and not settings.rate("goods", date(2026, 2, 1)).is_default
    assert db.session.query(ComplianceSetting).filter_by(key="tax_kind.fruit").one().value == "goods"


@pytest.mark.parametrize("key,value,code", [
    ("declaration_due_day", "31", "invalid_value"), ("warning_percent", "0", "invalid_value"),
    ("exempt_threshold", "-5", "invalid_value"), ("exempt_threshold", "năm trăm", "invalid_value"),
    ("tax_kind.fruit", "thuốc", "invalid_tax_kind"), ("nonsense", "1", "invalid_key"),
])
def test_bad_values_are_refused_and_change_nothing(db, admin, key, value, code):
    from app.compliance import settings
    from app.compliance.models import ComplianceSetting
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        settings.set_value(admin, key, value, date(2026, 1, 1), None)
    assert caught.value.code == code
    db.session.rollback()
    assert db.session.query(ComplianceSetting).count() == 0


def test_rates_in_percent_and_only_admins(db, admin, household):
    from app.compliance import settings
    from app.errors import Forbidden, InvalidInput

    assert [settings.percent_to_bp(x) for x in ("1", "0,5", "1.5", "7", "0,05")] == [100, 50, 150, 700, 5]
    assert [settings.bp_to_percent(b) for b in (100, 50, 150, 5)] == ["1", "0,5", "1,5", "0,05"]
    for bad in ("", "abc", "1,234", "101", "-1"):
        with pytest.raises(InvalidInput):
            settings.percent_to_bp(bad)
    with pytest.raises(Forbidden):
        settings.set_rate(household[0], "goods", "2", "1", date(2026, 1, 1), None)
    with pytest.raises(InvalidInput):
        settings.set_rate(admin, "food", "2", "1", date(2026, 1, 1), None)
    settings.set_value(admin, "tax_kind.handicraft", "Dịch vụ", date(2026, 3, 1), "thử")
    assert settings.tax_kind_of("handicraft", date(2026, 2, 28)) == "goods"
    assert settings.tax_kind_of("handicraft", date(2026, 3, 1)) == "services"
    db.session.rollback()


def test_the_admin_settings_page_adds_a_dated_rate(app, db, admin):
    from app.compliance import settings
    from tests.conftest import AuthActions

    client = app.test_client()
    AuthActions(client, None).login_as(admin)
    assert client.get("/admin/compliance/settings").status_code == 200
    response = client.post("/admin/compliance/settings", data={
        "form": "rate", "r-tax_kind": "goods", "r-vat": "1,2", "r-pit": "0,6", "r-effective_from": "2027-01-01",
        "r-source": "Giả định"})
    assert response.status_code == 302
    assert settings.rate("goods", date(2027, 1, 1)).vat_bp == 120
    page = client.post("/admin/compliance/settings", data={"form": "rate", "r-tax_kind": "goods", "r-vat": "x",
                                                            "r-pit": "1", "r-effective_from": "2027-02-01"})
    assert page.status_code == 200 and settings.rate("goods", date(2027, 2, 1)).vat_bp == 120
