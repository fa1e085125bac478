"""Every compliance page renders, in both languages, for whom it is meant; the mode is chosen on its page."""
from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import AuthActions


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_renders(app, db, household, admin, marketplace, verify, lang):
    owner, org = household
    verify(owner, org)
    pages = {owner: [f"/compliance/{org.slug}", f"/compliance/{org.slug}/verification",
                     f"/compliance/{org.slug}/statement?month=2026-02", f"/compliance/{org.slug}/statement.csv"],
             admin: ["/admin/compliance", "/admin/compliance/mode", "/admin/compliance/verifications",
                     f"/admin/compliance/verifications/{org.slug}", "/admin/compliance/export",
                     "/admin/compliance/settings", "/platform"]}
    for user, paths in pages.items():
        client = app.test_client()
        AuthActions(client, None).login_as(user)
        client.get(f"/lang/{lang}")
        for path in paths:
            assert client.get(path).status_code == 200, path
    assert app.test_client().get("/platform").status_code == 200


def test_the_admin_chooses_the_mode_on_its_page(app, db, admin):
    from app.compliance import settings

    client = app.test_client()
    AuthActions(client, None).login_as(admin)
    assert 'data-testid="choose-mode"' in client.get("/admin/compliance").get_data(as_text=True)
    assert client.post("/admin/compliance/mode", data={"mode": "bazaar", "effective_from": "2026-01-01"}
                       ).status_code == 200
    assert not settings.mode_chosen()
    assert client.post("/admin/compliance/mode", data={"mode": "marketplace", "effective_from": "2026-01-01"}
                       ).status_code == 302
    assert settings.mode(date(2026, 1, 1)) == "marketplace"
    assert "Sàn giao dịch" in client.get("/admin/compliance").get_data(as_text=True)


def test_the_cli_chooses_the_mode(app, db):
    from app.compliance import settings

    result = app.test_cli_runner().invoke(args=["compliance", "mode", "marketplace"])
    assert result.exit_code == 0 and settings.is_marketplace()
    assert app.test_cli_runner().invoke(args=["compliance", "mode", "bazaar"]).exit_code != 0
