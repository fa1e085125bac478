"""The documented starting values of every compliance rule, with their dates and sources (docs/compliance.md).

These are seeds, not constants: the admin's dated rows in the database (compliance_settings, withholding_rates)
replace them, and `settings.seed_defaults` copies them into the database when the admin chooses the platform mode.
Keep this file and docs/compliance.md in step.
"""
from __future__ import annotations

from datetime import date
from typing import NamedTuple


class SettingDefault(NamedTuple):
    key: str
    value: str
    effective_from: date
    source: str


class RateDefault(NamedTuple):
    tax_kind: str
    vat_bp: int
    pit_bp: int
    effective_from: date
    source: str


DECREE_117 = "Nghị định 117/2025/NĐ-CP, Điều 8–9 (hiệu lực 01/07/2025)"
LAW_122 = "Luật Thương mại điện tử 122/2025/QH15 (hiệu lực 01/07/2026)"
RESOLUTION_198 = "Nghị quyết 198/2025/QH15; Luật Thuế GTGT 48/2024/QH15 và Luật Thuế TNCN sửa đổi (nguồn thứ cấp)"

RATES = (
    RateDefault("goods", 100, 50, date(2025, 7, 1), DECREE_117 + ": hàng hóa 1% GTGT + 0,5% TNCN"),
    RateDefault("services", 500, 200, date(2025, 7, 1), DECREE_117 + ": dịch vụ 5% GTGT + 2% TNCN"),
    RateDefault("transport", 300, 150, date(2025, 7, 1),
                DECREE_117 + ": vận tải, dịch vụ gắn với hàng hóa 3% GTGT + 1,5% TNCN"),
)

PDP_LAW = "Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15 (hiệu lực 01/01/2026)"
DECREE_356 = "Nghị định 356/2025/NĐ-CP (hiệu lực 01/01/2026)"
OCOP = "Quyết định 148/QĐ-TTg (2023) về Bộ tiêu chí OCOP: giấy chứng nhận có hiệu lực 36 tháng (nguồn thứ cấp)"

SETTINGS = (
    # Until the admin chooses, the platform runs as one cooperative's own shop: nothing is withheld or enforced.
    SettingDefault("platform_mode", "own_shop", date(2025, 1, 1), "Chọn khi cài đặt (docs/compliance.md)"),
    # Household revenue exempt from VAT and PIT in a year: 200 million from 1 July 2025 (VAT law 2024), 500 million
    # from 1 January 2026 (reported); 1 billion is reported (Decree 141/2026) but its date is not confirmed.
    SettingDefault("exempt_threshold", "200000000", date(2025, 7, 1), "Luật Thuế GTGT 48/2024/QH15 (hiệu lực 01/07/2025)"),
    SettingDefault("exempt_threshold", "500000000", date(2026, 1, 1), RESOLUTION_198),
    # A household above this revenue in a year must use e-invoices, registering within 30 days of crossing it.
    SettingDefault("einvoice_threshold", "1000000000", date(2026, 1, 1), RESOLUTION_198 + "; Nghị định 141/2026 (đưa tin)"),
    SettingDefault("einvoice_register_days", "30", date(2026, 1, 1), RESOLUTION_198),
    SettingDefault("warning_percent", "80", date(2025, 1, 1), "Cài đặt của nền tảng (cảnh báo sớm)"),
    # The platform declares the tax it withheld in a month by this day of the next month.
    SettingDefault("declaration_due_day", "20", date(2025, 7, 1), DECREE_117 + "; Luật Quản lý thuế 38/2019/QH14, Điều 44"),
    # Retention (#17; docs/compliance.md §8). Lives 3 years after they end: in the drafts of the E-commerce Law's
    # implementing texts, not confirmed in the final text. Removed listings 1 year. Orders 10 years (accounting
    # documents), never purged by the retention job.
    SettingDefault("retention_live_days", "1095", date(2026, 7, 1), LAW_122 + "; 3 năm theo dự thảo (chưa chắc)"),
    SettingDefault("retention_listing_days", "365", date(2026, 7, 1),
                   LAW_122 + "; 1 năm sau khi gỡ sản phẩm (theo đề xuất, chưa chắc)"),
    SettingDefault("retention_order_years", "10", date(2016, 1, 1),
                   "Luật Kế toán 88/2015/QH13, Điều 41; Nghị định 174/2016/NĐ-CP, Điều 12 (chứng từ ghi sổ: 10 năm)"),
    # Every product category the shop knows is a physical good; a category without a row is taxed at the highest
    # rate in force (Decree 117: an unidentified type is withheld at the highest rate).
    # Personal data (docs/compliance.md "Buyers' data"): the privacy notice buyers agree to, how long the receiver's
    # name, phone and address stay on a delivered order, and the hours to notify the authority of a breach.
    SettingDefault("privacy_policy_version", "2026-01-01", date(2026, 1, 1), PDP_LAW + "; " + DECREE_356),
    SettingDefault("address_retention_days", "365", date(2026, 1, 1),
                   PDP_LAW + ": lưu trữ không quá thời gian cần cho mục đích (đổi trả, khiếu nại); cài đặt của nền tảng"),
    SettingDefault("breach_notice_hours", "72", date(2026, 1, 1), DECREE_356 + ": thông báo vi phạm trong 72 giờ"),
    # OCOP certificates: valid 36 months from issue; the seller is warned this many days before expiry.
    SettingDefault("ocop_validity_months", "36", date(2023, 1, 1), OCOP),
    SettingDefault("certificate_warning_days", "60", date(2026, 1, 1), "Cài đặt của nền tảng (cảnh báo sớm)"),
    *(SettingDefault(f"tax_kind.{category}", "goods", date(2025, 7, 1), DECREE_117)
      for category in ("vegetables", "fruit", "rice", "tea", "processed", "handicraft", "other")),
)
