"""Read side of ordering: buyer and seller order lists, bank reviews."""
from __future__ import annotations

from sqlalchemy import select

from ...accounts.models import Organisation, User
from ...core.banks import BANKS_BY_BIN
from ...core.phone import display_phone
from ...extensions import db
from .. import vietqr
from .models import ORDER_STATUSES, BankReview, Order


def cart_item_count(user: User | None, guest_token: str | None) -> int:
    """Units in the visitor's cart (the header's badge): the account's cart, else the guest cart of the cookie."""
    from sqlalchemy import func

    from .models import Cart, CartLine

    if user is None and not guest_token:
        return 0
    owner = Cart.user_id == user.id if user is not None else Cart.guest_token == guest_token
    return int(db.session.scalar(select(func.coalesce(func.sum(CartLine.quantity), 0))
                                 .join(Cart, Cart.id == CartLine.cart_id).where(owner)) or 0)


def buyer_orders(user: User) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.buyer_id == user.id).order_by(Order.id.desc()).limit(100)))


def organisation_orders(org: Organisation, status: str | None = None) -> list[Order]:
    query = select(Order).where(Order.organisation_id == org.id)
    if status in ORDER_STATUSES:
        query = query.where(Order.status == status)
    return list(db.session.scalars(query.order_by(Order.id.desc()).limit(200)))


def vietqr_instructions(order: Order) -> dict | None:
    """How to pay an unpaid VietQR order: the QR payload for the account its checkout named, bank, holder, memo.

    None when the order is not waiting for a transfer."""
    if order.payment_method != "vietqr" or order.status != "pending_payment":
        return None
    bank_bin, account, holder = order.bank_account
    if not bank_bin or not account:
        return None
    memo = vietqr.normalize_memo(order.number)
    bank = BANKS_BY_BIN.get(bank_bin)
    return {"payload": vietqr.build_payload(bank_bin, account, order.total, memo), "memo": memo,
            "bank_bin": bank_bin, "bank_name": bank.short_name if bank else bank_bin, "account": account,
            "account_name": holder, "amount": order.total}


def open_bank_reviews(org: Organisation) -> list[BankReview]:
    return list(db.session.scalars(select(BankReview).where(BankReview.organisation_id == org.id,
                                                            BankReview.resolved.is_(False))
                                   .order_by(BankReview.id.desc())))


def pick_list(org: Organisation) -> list[tuple[str, str | None, int]]:
    """What to take off the shelf for confirmed orders not yet packed: (product, option, units)."""
    from sqlalchemy import func

    from .models import OrderLine

    rows = db.session.execute(
        select(OrderLine.product_name, OrderLine.variant_label, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.organisation_id == org.id, Order.status == "confirmed")
        .group_by(OrderLine.product_name, OrderLine.variant_label)
        .order_by(OrderLine.product_name, OrderLine.variant_label))
    return [(name, label, int(total)) for name, label, total in rows]


def orders_csv_rows(orders: list[Order]) -> list[list]:
    """Orders as CSV rows (a header, then one row per line item) for spreadsheets and shipping companies.

    Phones as Vietnamese people write them (0912 345 678): a spreadsheet keeps that as text."""
    rows: list[list] = [["number", "created_at", "status", "payment_method", "paid", "buyer_name", "buyer_phone",
                         "street", "commune_code", "province_code", "item", "option", "unit_price", "quantity",
                         "shipping_fee", "total"]]
    for order in orders:
        for line in order.lines:
            rows.append([order.number, order.created_at.isoformat(), order.status, order.payment_method,
                         "yes" if order.paid_at else "no", order.buyer_name, display_phone(order.buyer_phone),
                         order.street, order.commune_code, order.province_code, line.product_name,
                         line.variant_label or "", line.unit_price, line.quantity, order.shipping_fee, order.total])
    return rows
