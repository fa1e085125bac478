"""Command-line: flask seed-demo (idempotent) and the first admin."""
from sqlalchemy import func, select

from app.accounts.models import Membership, Organisation, User


def _counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (User, Organisation, Membership))


def test_seed_demo_builds_the_district_once(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "cholive123" in first.output and "0911000001" in first.output
    counts = _counts(db)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert _counts(db) == counts
    orgs = db.session.scalars(select(Organisation)).all()
    assert {o.kind for o in orgs} == {"cooperative", "household"} and len(orgs) >= 4
    from app.core.addresses import commune_name

    assert {"Xã Hát Môn", "Xã Ô Diên", "Xã Liên Minh", "Xã Đan Phượng"} <= {commune_name(o.commune_code) for o in orgs}
    assert db.session.scalar(select(func.count(User.id)).where(User.is_admin)) >= 1
    assert db.session.scalar(select(func.count(User.id)).where(User.is_trainer)) >= 1


def test_create_admin(runner, db):
    result = runner.invoke(args=["users", "create-admin", "--name", "Admin", "--login", "0912345678",
                                 "--password", "matkhau123"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.is_admin).where(User.phone == "+84912345678")) is True
    grant = runner.invoke(args=["users", "grant", "0912345678", "trainer"])
    assert grant.exit_code == 0 and db.session.scalar(select(User.is_trainer)) is True
