"""Vietnamese banks with their NAPAS BIN, as used in VietQR payloads, and the names bank notifications use."""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple


class Bank(NamedTuple):
    bin: str
    short_name: str
    name: str


BANKS: tuple[Bank, ...] = (
    Bank("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    Bank("970415", "VietinBank", "Ngân hàng TMCP Công thương Việt Nam"),
    Bank("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    Bank("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    Bank("970407", "Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam"),
    Bank("970422", "MB", "Ngân hàng TMCP Quân đội"),
    Bank("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    Bank("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
    Bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    Bank("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    Bank("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam"),
    Bank("970443", "SHB", "Ngân hàng TMCP Sài Gòn - Hà Nội"),
    Bank("970437", "HDBank", "Ngân hàng TMCP Phát triển TP. Hồ Chí Minh"),
    Bank("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    Bank("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    Bank("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á"),
    Bank("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    Bank("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam"),
    Bank("970428", "Nam A Bank", "Ngân hàng TMCP Nam Á"),
    Bank("970409", "BacABank", "Ngân hàng TMCP Bắc Á"),
    Bank("970425", "ABBANK", "Ngân hàng TMCP An Bình"),
    Bank("970452", "KienlongBank", "Ngân hàng TMCP Kiên Long"),
    Bank("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam"),
    Bank("970438", "BaoViet Bank", "Ngân hàng TMCP Bảo Việt"),
    Bank("970433", "VietBank", "Ngân hàng TMCP Việt Nam Thương Tín"),
    Bank("970400", "SaigonBank", "Ngân hàng TMCP Sài Gòn Công Thương"),
    Bank("970419", "NCB", "Ngân hàng TMCP Quốc Dân"),
    Bank("970427", "VietABank", "Ngân hàng TMCP Việt Á"),
    Bank("970430", "PGBank", "Ngân hàng TMCP Thịnh vượng và Phát triển"),
    Bank("970454", "BVBank", "Ngân hàng TMCP Bản Việt"),
    Bank("970408", "GPBank", "Ngân hàng TM TNHH MTV Dầu Khí Toàn Cầu"),
    Bank("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam"),
    Bank("970424", "ShinhanBank", "Ngân hàng TNHH MTV Shinhan Việt Nam"),
    Bank("970457", "Woori", "Ngân hàng TNHH MTV Woori Việt Nam"),
    Bank("970458", "UOB", "Ngân hàng TNHH MTV United Overseas Bank Việt Nam"),
    Bank("422589", "CIMB", "Ngân hàng TNHH MTV CIMB Việt Nam"),
    Bank("546034", "CAKE", "TMCP Việt Nam Thịnh Vượng - Ngân hàng số CAKE by VPBank"),
)

BANKS_BY_BIN = {bank.bin: bank for bank in BANKS}

# Other names a bank goes by in transfer notifications (SePay's `gateway`: "MBBank", "Vietinbank", ...) and in
# bank apps: old names and stock tickers. Compared after bank_key(), so case, spaces and a "bank" suffix differ.
GATEWAY_ALIASES: dict[str, tuple[str, ...]] = {
    "970436": ("VCB",),
    "970415": ("CTG", "ICB"),
    "970405": ("VBA", "VBARD"),
    "970407": ("TCB",),
    "970422": ("Military",),
    "970403": ("STB",),
    "970449": ("LienVietPostBank", "LienViet", "LPB"),
    "970431": ("EIB",),
    "970428": ("NAB",),
    "970426": ("Maritime",),
    "970454": ("VietCapital", "VCCB"),
    "970412": ("PVB",),
    "970438": ("BVB",),
    "970458": ("UnitedOverseas",),
}


def bank_key(name: str | None) -> str:
    """'MB Bank', 'MBBank', 'mbbank' → 'mb': letters and digits only, lower case, a trailing 'bank' dropped."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]", "", text)
    return text[:-4] if text.endswith("bank") and len(text) > 4 else text


_BIN_BY_KEY: dict[str, str] = {}
for _bank in BANKS:
    for _name in (_bank.short_name, *GATEWAY_ALIASES.get(_bank.bin, ())):
        _BIN_BY_KEY.setdefault(bank_key(_name), _bank.bin)


def bin_for_gateway(name: str | None) -> str | None:
    """The BIN of the bank a notification's gateway name means ('Vietcombank' → '970436'); None when unknown."""
    key = bank_key(name)
    if key.isdigit() and key in BANKS_BY_BIN:
        return key  # some relays send the BIN itself
    return _BIN_BY_KEY.get(key)


def bank_choices() -> list[tuple[str, str]]:
    """(BIN, 'Short name – full name') pairs for a select box."""
    return [(b.bin, f"{b.short_name} – {b.name}") for b in BANKS]
