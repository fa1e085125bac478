"""The guides in docs/ render as Markdown with their pictures: every image a guide shows exists, every in-page link
lands on a heading (GitHub's anchors), every guide screenshot is used, and no guide or demo course uses a spelling
the glossary bans (xoá/khoá/huỷ/hoá style, "VD:", "huyện" for today's addresses)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import markdown
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDES = sorted([*DOCS.glob("seller-guide.*.md"), *DOCS.glob("trainer-guide.*.md"), *DOCS.glob("deploy*.md")])
COURSES = ROOT / "app" / "training" / "demo_courses"
COURSE_FILES = sorted(p for p in COURSES.rglob("*") if p.suffix in {".md", ".yaml", ".yml"})

IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|<img\s[^>]*src=\"([^\"]+)\"")
ANCHOR_LINK = re.compile(r"\]\(#([^)]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)

# The old tone placement on oa/oe/uy with no final consonant (xoá, khoá, huỷ, hoá, tuỳ, nhoè); "qu" is a consonant,
# so "quý" is right in both styles. Whole words only: "khoản", "thoáng", "thuế khoán" are right.
OLD_TONE = re.compile(r"(?<!\w)(?![Qq][Uu])\w*?(?:[oO][áàảãạéèẻẽẹ]|[uU][ýỳỷỹỵ])(?!\w)")
ABBREVIATION = re.compile(r"\bVD\s*:")
DISTRICT = re.compile(r"\bhuyện\b", re.IGNORECASE)
# Old districts may be named only where the text is about the data from before the July 2025 reform (carriers).
HISTORICAL = re.compile(r"7/2025|July 2025|July-2025")


def _text(path: Path) -> str:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))


def _prose(text: str) -> str:
    """The guide without its fenced code blocks (commands and config are not prose)."""
    return FENCE.sub("", text)


def github_anchor(title: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped (letters with diacritics kept), spaces to -."""
    title = re.sub(r"<[^>]+>|[*_`]", "", title)
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def banned_spellings(text: str) -> list[str]:
    found = [f"{m.group(0)!r} (write xóa, khóa, hủy, hóa, tùy)" for m in OLD_TONE.finditer(text)]
    found += [f"{m.group(0)!r} (write “Ví dụ:”)" for m in ABBREVIATION.finditer(text)]
    for line in text.splitlines():
        if DISTRICT.search(line) and not HISTORICAL.search(line):
            found.append(f"'huyện' in {line.strip()[:80]!r} (districts were abolished in July 2025: xã/phường, tỉnh)")
    return found


def test_the_checker_catches_each_banned_spelling():
    for bad in ("Bấm xoá", "Khoá luồng", "đơn bị huỷ", "tuỳ chọn", "hình bị nhoè", "VD: 2 kg", "Xã, huyện",
                "Quản trị Huyện"):
        assert banned_spellings(bad), bad
    for good in ("Bấm xóa, khóa, hủy, hóa đơn, tùy", "tài khoản, thoáng mát, thuế khoán, quý khách, hòa",
                 "Ví dụ: 1.440", "quận/huyện cũ, trước tháng 7/2025"):
        assert not banned_spellings(good), good


def test_github_anchors_keep_vietnamese_letters():
    assert github_anchor("Bước 1. Mở gian hàng") == "bước-1-mở-gian-hàng"
    assert github_anchor("4. Reviewing a member's real live") == "4-reviewing-a-members-real-live"
    assert github_anchor("5. Báo cáo: từ học đến bán hàng") == "5-báo-cáo-từ-học-đến-bán-hàng"


def test_the_guides_are_all_here():
    names = {p.name for p in GUIDES}
    assert {"seller-guide.vi.md", "seller-guide.en.md", "trainer-guide.vi.md", "trainer-guide.en.md",
            "deploy.vi.md", "deploy.en.md"} <= names


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_image_a_guide_shows_exists(guide):
    text = _text(guide)
    missing = []
    for m in IMAGE.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"[a-z]+://", target):
            missing.append(f"{target} (a guide shows only pictures kept in the repository)")
        elif not (guide.parent / target).is_file():
            missing.append(target)
    assert missing == [], f"{guide.name}: pictures that do not exist: {missing}"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_guide_renders_as_markdown(guide):
    text = _text(guide)
    html = markdown.markdown(text, extensions=["tables", "fenced_code"])
    assert html.count("<h1") == 1, f"{guide.name}: one title"
    images = len(list(IMAGE.finditer(_prose(text))))
    assert html.count("<img") == images, f"{guide.name}: every picture becomes an <img>"
    if re.search(r"^\|.*\|\s*$\n^\|[-| :]+\|\s*$", text, re.MULTILINE):
        assert "<table>" in html, f"{guide.name}: its tables render as tables"
    assert "](" not in re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.DOTALL), \
        f"{guide.name}: a link or picture did not render"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_in_page_links_land_on_a_heading(guide):
    text = _text(guide)
    anchors = {github_anchor(title) for _, title in HEADING.findall(_prose(text))}
    broken = [a for a in ANCHOR_LINK.findall(text) if a not in anchors]
    assert broken == [], f"{guide.name}: links to headings that do not exist: {broken}"


def test_the_user_guides_have_phone_screenshots_and_use_every_one():
    used = {Path(m.group(1) or m.group(2)).name for guide in GUIDES for m in IMAGE.finditer(_text(guide))}
    for name in ("seller-guide.vi.md", "seller-guide.en.md", "trainer-guide.vi.md", "trainer-guide.en.md"):
        shown = [m.group(1) or m.group(2) for m in IMAGE.finditer(_text(DOCS / name))]
        assert len(shown) >= 8, f"{name}: a phone screenshot for each step"
    taken = {p.name for p in (DOCS / "screenshots").glob("guide-*.png")}
    assert taken, "tests/browser/test_guide_screens.py takes the guide screenshots"
    assert taken - used == set(), f"guide screenshots no guide shows: {sorted(taken - used)}"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_guides_use_one_spelling_style(guide):
    problems = banned_spellings(_prose(_text(guide)))
    assert problems == [], f"{guide.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", COURSE_FILES, ids=lambda p: str(p.relative_to(COURSES)))
def test_demo_courses_use_one_spelling_style(path):
    problems = banned_spellings(_text(path))
    assert problems == [], f"{path.relative_to(COURSES)}:\n" + "\n".join(problems)
