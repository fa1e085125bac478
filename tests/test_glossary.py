"""The Vietnamese interface and demo courses use the words of docs/glossary.md: one word for one thing, one spelling
style (xóa, khóa, hủy, hóa), no abbreviations or words a rural seller would not use. A banned variant fails the test
with the entry and the variant, so whoever adds a string sees what to write instead."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
VI_PO = ROOT / "app/translations/vi/LC_MESSAGES/messages.po"
COURSES = ROOT / "app/training/demo_courses"

# (pattern, what to write instead). Patterns are case-insensitive and match whole words.
BANNED: list[tuple[str, str]] = [
    (r"(?<!\w)xoá(?!\w)", "xóa"), (r"(?<!\w)khoá(?!\w)", "khóa"), (r"(?<!\w)huỷ(?!\w)", "hủy"),
    (r"(?<!\w)hoá(?!\w)", "hóa"),
    (r"\bVD\s*:", "Ví dụ:"),
    (r"\bđơn vị\b(?!\s+(tính|vận chuyển|giao hàng))", "gian hàng (the seller's shop) or đơn vị tính (unit)"),
    (r"\btổ chức\b", "gian hàng"),
    (r"\bcơ sở\b(?!\s+dữ liệu)", "gian hàng"),
    (r"\bHTX/hộ\b", "gian hàng"),
    (r"\bTạo hợp tác xã\b", "Mở gian hàng"),
    (r"\bGiỏi lắm\b", "Làm tốt lắm"),
    (r"\bhuyện\b", "xã/phường (districts were abolished on 1 July 2025)"),
    (r"\bbuổi live\b", "phiên live"),
    (r"\blive tập\b", "phiên live luyện tập"),
    (r"\bsạp (luyện )?tập\b", "gian hàng luyện tập"),
    (r"\blive thử\b|\bbuổi (luyện )?tập\b", "phiên live luyện tập"),
    (r"\bđơn live\b", "giỏ live (held items) or đơn hàng (placed order)"),
    (r"\bđang được giữ \d|\bđang được giữ %", "Đang giữ cho bạn N món"),
    (r"\btrung vị\b", "thường (Thường trả lời sau …)"),
    (r"\bThẻ \(Stripe\)", "Thẻ ngân hàng"),
    (r"\bchưa phát sóng\b", "chưa bắt đầu / đã kết thúc"),
    # Vietnamese numbers: 1.440 (thousands with a dot), 0,1 (decimals with a comma). Years, phone numbers and tax
    # codes (a leading 0) and screen sizes (1280×720) are not amounts.
    (r"(?<![\d×.,/\-])(?!(?:19|20)\d\d\b)[1-9]\d{3,}(?![\d×/\-])", "1.440 (a dot between thousands)"),
    (r"(?<![\d.,])\d+\.\d{1,2}(?![\d.])", "0,1 (a decimal comma)"),
]
_COMPILED = [(re.compile(p, re.IGNORECASE), instead) for p, instead in BANNED]


def banned_in(text: str) -> list[str]:
    return [f"{m.group(0)!r} → {instead}" for rx, instead in _COMPILED for m in rx.finditer(text)]


def _msgstrs():
    with VI_PO.open("rb") as f:
        for m in read_po(f, locale="vi"):
            if not m.id:
                continue
            texts = m.string if isinstance(m.string, tuple) else (m.string,)
            ident = m.id[0] if isinstance(m.id, tuple) else m.id
            yield (f"{m.context}|{ident}" if m.context else ident), " ".join(t or "" for t in texts)


def test_the_checker_catches_each_kind_of_variant():
    assert banned_in("Bạn có chắc muốn xoá?") and banned_in("Khoá học") and banned_in("VD: 2kg")
    assert banned_in("Sản phẩm này thuộc đơn vị khác.") and banned_in("Xã, huyện")
    assert not banned_in("đơn vị tính: kg") and not banned_in("Không gọi được đơn vị vận chuyển")
    assert not banned_in("Xóa, khóa, hủy, hóa đơn. Ví dụ: 1.440") and not banned_in("cơ sở dữ liệu")
    assert not banned_in("thuế khoán, thoáng mát")  # whole words only
    assert banned_in("từ 1 đến 1440 phút") and banned_in("0.1 bình luận mỗi phút")
    assert not banned_in("năm 2025, 0912 345 678, 1280×720, 10.000.000 ₫, 0,5 giây, Nghị định 117/2025/NĐ-CP")


def test_the_vietnamese_catalogue_uses_the_glossary():
    problems = [f"{ident!r}: {b}" for ident, text in _msgstrs() for b in banned_in(text)]
    assert problems == [], f"{len(problems)} banned variants (see docs/glossary.md):\n" + "\n".join(problems)


def test_the_demo_courses_use_the_glossary():
    problems = [f"{p.relative_to(COURSES)}: {b}" for p in sorted(COURSES.rglob("*"))
                if p.suffix in {".md", ".yml", ".yaml", ".json", ".toml"} for b in banned_in(p.read_text("utf-8"))]
    assert problems == [], f"{len(problems)} banned variants (see docs/glossary.md):\n" + "\n".join(problems)
