"""shop security: payments bound to their order, checkout keys scoped to the buyer, per-buyer unit caps

Revision ID: 0014_sec_shop
Revises: 0013_sec_live
Create Date: 2026-12-01 10:00:00

orders.checkout_key replaces orders.idempotency_key ("<key>:<organisation id>", looked up by prefix, so any
buyer's key, or a longer key sharing its start, found another buyer's orders): a SHA-256 of the buyer (or
guest cart) and the exact key, unique per organisation. Keys of orders made before this revision are not
kept: they only served retries of checkouts in flight at the upgrade.

orders.pay_to_*: the account a VietQR order's QR named at checkout; a bank notification pays the order only
when the money went there. Orders made before this revision (NULL) fall back to the organisation's account.
bank_reviews.gateway/account_number: where the money of a transfer under review went, shown to the seller.
orders.stripe_payment_intent_id: the PaymentIntent that paid a card order; a charge.refunded event must name it.
products.max_per_buyer: a product's own cap on the units one buyer may hold in open orders (NULL: the setting).
notifications.kind 'order_expired': the buyer of a COD order the seller did not confirm in time is told.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_sec_shop'
down_revision = '0013_sec_live'
branch_labels = None
depends_on = None


KINDS_BEFORE = "kind IN ('live_started', 'waitlist_served', 'hold_expiring')"
KINDS_AFTER = "kind IN ('live_started', 'waitlist_served', 'hold_expiring', 'order_expired')"


def upgrade():
    # Plain ALTER TABLE (with a column CHECK), not a batch: recreating `products` on SQLite would drop the FTS5
    # triggers of 0002_shop.
    op.execute("ALTER TABLE products ADD COLUMN max_per_buyer INTEGER "
               "CONSTRAINT ck_products_max_per_buyer CHECK (max_per_buyer IS NULL OR max_per_buyer > 0)")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_kind'), KINDS_AFTER)
    with op.batch_alter_table('bank_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gateway', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('account_number', sa.String(length=32), nullable=True))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pay_to_bank_bin', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('pay_to_account', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('pay_to_account_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('checkout_key', sa.String(length=64), nullable=True))
        batch_op.drop_constraint('uq_orders_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')
        batch_op.create_unique_constraint(batch_op.f('uq_orders_checkout_key_organisation_id'), ['checkout_key', 'organisation_id'])


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_orders_checkout_key_organisation_id'), type_='unique')
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint('uq_orders_idempotency_key', ['idempotency_key'])
        batch_op.drop_column('checkout_key')
        batch_op.drop_column('stripe_payment_intent_id')
        batch_op.drop_column('pay_to_account_name')
        batch_op.drop_column('pay_to_account')
        batch_op.drop_column('pay_to_bank_bin')
    with op.batch_alter_table('bank_reviews', schema=None) as batch_op:
        batch_op.drop_column('account_number')
        batch_op.drop_column('gateway')
    op.execute("DELETE FROM notifications WHERE kind = 'order_expired'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_kind'), KINDS_BEFORE)
    # A column CHECK goes with its column (SQLite 3.35+ and PostgreSQL). A later SQLite rebuild of `products` (0020's
    # CHECK on units) turns that column CHECK into a table CHECK, which SQLite's DROP COLUMN refuses: then the table is
    # rebuilt without both, and the FTS5 triggers the rebuild drops are created again.
    bind = op.get_bind()
    table_sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'products'").scalar() \
        if bind.dialect.name == "sqlite" else ""
    if "max_per_buyer > 0)" in (table_sql or "") and not _column_check(table_sql):
        with op.batch_alter_table('products', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_products_max_per_buyer'), type_='check')
            batch_op.drop_column('max_per_buyer')
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE products DROP COLUMN max_per_buyer")


def _column_check(table_sql):
    """Whether max_per_buyer's CHECK is still written inside its column definition (as upgrade() added it)."""
    return "max_per_buyer INTEGER CONSTRAINT ck_products_max_per_buyer CHECK" in table_sql


# As in 0002_shop (SQLITE_SEARCH_DDL without the virtual table, which a rebuild keeps).
SQLITE_TRIGGERS = (
    "DROP TRIGGER IF EXISTS products_fts_update",
    "DROP TRIGGER IF EXISTS products_fts_delete",
    "DROP TRIGGER IF EXISTS products_fts_insert",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO product_fts(rowid, search_name, search_text) VALUES (new.id, new.search_name, new.search_text); END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_name, search_text) "
    "VALUES ('delete', old.id, old.search_name, old.search_text); END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF search_name, search_text ON products BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_name, search_text) "
    "VALUES ('delete', old.id, old.search_name, old.search_text); "
    "INSERT INTO product_fts(rowid, search_name, search_text) VALUES (new.id, new.search_name, new.search_text); END",
    "INSERT INTO product_fts(product_fts) VALUES ('rebuild')",
)
