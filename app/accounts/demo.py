"""Demo district accounts: real Hà Nội communes, cooperatives and households, staff and buyers."""
from __future__ import annotations

from sqlalchemy import select

from ..core import addresses
from ..extensions import db
from . import services
from .models import Organisation

DEMO_PASSWORD = "cholive123"

# (phone, name, platform role)
PEOPLE = [
    ("0900000001", "Quản trị viên Chợ Live", "admin"),
    ("0900000002", "Cô Hạnh (tổ công nghệ số)", "trainer"),
    ("0911000001", "Nguyễn Văn Bình", None),   # owner, HTX Bưởi Diễn Hát Môn
    ("0911000002", "Trần Thị Lan", None),      # staff there
    ("0911000003", "Lê Thị Mai", None),        # owner, HTX Rau sạch Ô Diên
    ("0911000004", "Phạm Văn Hùng", None),     # owner, hộ Gạo nếp Liên Minh
    ("0911000005", "Đỗ Thị Hoa", None),        # owner, hộ Mây tre Đan Phượng
    ("0911000006", "Vũ Minh Tuấn", None),      # staff, Rau sạch Ô Diên
    ("0922000001", "Hoàng Thu Trang", None),   # buyer
    ("0922000002", "Ngô Đức Anh", None),       # buyer
    ("0922000003", "Bùi Thị Ngọc", None),      # buyer
]

ORGS = [
    ("HTX Bưởi Diễn Hát Môn", "cooperative", "Xã Hát Môn", "0911000001", ["0911000002"],
     "Bưởi Diễn, bưởi da xanh và cam Canh trồng bên bãi sông Hồng. Thu hoạch tay, giao tận nhà."),
    ("HTX Rau sạch Ô Diên", "cooperative", "Xã Ô Diên", "0911000003", ["0911000006"],
     "Rau VietGAP hái sáng giao chiều: rau muống, cải, su hào, rau thơm."),
    ("Hộ kinh doanh Gạo nếp Liên Minh", "household", "Xã Liên Minh", "0911000004", [],
     "Gạo nếp cái hoa vàng, gạo tám thơm, bánh chưng gói tay theo đơn."),
    ("Hộ kinh doanh Mây tre Đan Phượng", "household", "Xã Đan Phượng", "0911000005", [],
     "Rổ rá, khay, giỏ mây tre đan thủ công, nhận đặt theo mẫu."),
]

BANKS = {
    "HTX Bưởi Diễn Hát Môn": ("970405", "1500205123456", "HTX BUOI DIEN HAT MON"),
    "HTX Rau sạch Ô Diên": ("970436", "0011004123456", "HTX RAU SACH O DIEN"),
    "Hộ kinh doanh Gạo nếp Liên Minh": ("970422", "0911000004", "PHAM VAN HUNG"),
}


def seed_accounts() -> list[tuple[str, str, str]]:
    """Create (or leave as they are) the demo people and organisations; return (login, name, role) rows."""
    rows: list[tuple[str, str, str]] = []
    for phone, name, role in PEOPLE:
        user = services.find_user_by_login(phone)
        if user is None:
            user = services.register_user(name, phone, DEMO_PASSWORD, locale="vi")
            user.province_code = addresses.HANOI
        if role:
            services.set_platform_role(None, user, role, True)
        rows.append((phone, name, role or ""))
    for name, kind, commune, owner_phone, staff, description in ORGS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        owner = services.find_user_by_login(owner_phone)
        if org is None:
            org = services.create_organisation(owner, name=name, kind=kind, province_code=addresses.HANOI,
                                               commune_code=addresses.find_commune(commune), description=description,
                                               phone=owner_phone)
            for staff_phone in staff:
                services.add_staff(owner, org, staff_phone)
            if name in BANKS:
                bin_, number, holder = BANKS[name]
                services.set_bank_account(owner, org, bank_bin=bin_, account_number=number, account_name=holder)
        for i, row in enumerate(rows):
            if row[0] == owner_phone and not row[2]:
                rows[i] = (row[0], row[1], f"owner: {name}")
            elif row[0] in staff and not row[2]:
                rows[i] = (row[0], row[1], f"staff: {name}")
    for i, row in enumerate(rows):
        if not row[2]:
            rows[i] = (row[0], row[1], "buyer")
    db.session.flush()
    return rows
