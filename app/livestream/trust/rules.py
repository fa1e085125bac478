"""The platform's livestream rules: versioned, Vietnamese and English, edited by the admin; a built-in first version.

Law 122/2025/QH15 on E-commerce (in force 1 July 2026) asks the platform to publish its livestream rules; the default
text below says what the law asks of hosts and sellers as secondary sources describe it (docs/compliance.md §8)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...accounts.models import User
from ...errors import Forbidden, InvalidInput
from ...extensions import db
from .models import MAX_RULES, LiveRules

DEFAULT_VI = """\
## Quy định livestream bán hàng trên Chợ Live

*Theo Luật Thương mại điện tử số 122/2025/QH15 (hiệu lực 01/07/2026). Thông tin chung, không phải tư vấn pháp lý.*

### Người bán và người livestream
1. Chỉ thành viên của tổ chức bán hàng (HTX, hộ kinh doanh) được chọn làm người livestream; trên sàn, tổ chức phải
   được nền tảng xác minh trước phiên live.
2. Trước phiên live, người bán giao cho người livestream giấy tờ chất lượng của sản phẩm (giấy chứng nhận an toàn thực
   phẩm, chứng nhận OCOP…) và, khi pháp luật yêu cầu, giấy xác nhận nội dung quảng cáo.
3. Giới thiệu đúng sự thật: không nói sai công dụng, nguồn gốc, chất lượng; không bán hàng giả, hàng cấm.
4. Với sản phẩm có thể ảnh hưởng sức khỏe, an toàn (ví dụ thực phẩm chức năng, đồ cho trẻ nhỏ), người livestream
   hiện **cảnh báo** trên video bằng công cụ của nền tảng.
5. Khi phát hiện vi phạm hoặc khi cơ quan có thẩm quyền yêu cầu, người livestream **dừng phiên live** và gỡ nội dung
   đang hiển thị.

### Người xem
6. Người xem có thể **báo cáo** một phiên live hoặc một bình luận bằng nút "Báo cáo"; báo cáo đến quản trị viên và
   người bán, danh tính người báo cáo được che với người bán.
7. Không đăng số điện thoại, địa chỉ của người khác; không xúc phạm, lừa đảo, quảng cáo trong bình luận.

### Nền tảng
8. Quản trị viên xem xét báo cáo và có thể **dừng phiên live** kèm lý do; trang phiên live bị ẩn cho đến khi được xem
   xét lại.
9. Dữ liệu phiên live (video, bình luận, đơn hàng) được lưu theo thời hạn lưu trữ công bố tại trang Tuân thủ.
"""

DEFAULT_EN = """\
## Chợ Live livestream selling rules

*Under the Law on E-commerce No. 122/2025/QH15 (in force 1 July 2026). General information, not legal advice.*

### Sellers and hosts
1. Only a member of the selling organisation (cooperative, household business) may be chosen as the host; on a
   marketplace the organisation must be verified by the platform before the live.
2. Before the live the seller hands the host the products' quality documents (food safety certificate, OCOP
   certificate…) and, where the law requires it, the advertising content confirmation.
3. Tell the truth: no false claims about use, origin or quality; no counterfeit or banned goods.
4. For goods that may affect health or safety (supplements, goods for small children…) the host shows a
   **warning** over the video with the platform's tool.
5. When a violation is found or an authority asks, the host **stops the live** and removes what is displayed.

### Viewers
6. Viewers can **report** a live or a comment with the "Report" button; reports reach the admin and the seller, and
   the reporter's identity is masked for the seller.
7. Do not post other people's phone numbers or addresses; no abuse, scams or advertising in comments.

### The platform
8. The admin reviews reports and may **stop a live** with a reason; the live's page stays hidden until reviewed.
9. Live data (video, comments, orders) is kept for the retention periods published on the Compliance page.
"""


@dataclass(frozen=True)
class Rules:
    version: int
    body_vi: str
    body_en: str
    created_at: datetime | None
    is_default: bool

    def body(self, locale: str | None) -> str:
        return self.body_en if (locale or "vi").startswith("en") else self.body_vi


DEFAULT = Rules(1, DEFAULT_VI, DEFAULT_EN, None, True)


def current_rules() -> Rules:
    """The rules in force: the newest version the admin saved, else the built-in first version."""
    row = db.session.scalar(select(LiveRules).order_by(LiveRules.version.desc()).limit(1))
    if row is None:
        return DEFAULT
    return Rules(row.version, row.body_vi, row.body_en, row.created_at, False)


def rules_history() -> list[LiveRules]:
    return list(db.session.scalars(select(LiveRules).order_by(LiveRules.version.desc())))


def _clean(text: str | None, field: str) -> str:
    body = (text or "").replace("\r\n", "\n").strip()
    if not body or len(body) > MAX_RULES:
        raise InvalidInput(_l("Write the rules in both languages (up to 20000 characters each)."),
                           code="invalid_rules", field=field)
    return body


def save_rules(actor: User | None, body_vi: str | None, body_en: str | None) -> LiveRules:
    """The admin saves a new version (older versions are kept, so what a seller acknowledged stays readable)."""
    if actor is None or not getattr(actor, "is_admin", False):
        raise Forbidden()
    vi, en = _clean(body_vi, "body_vi"), _clean(body_en, "body_en")
    latest = db.session.scalar(select(func.max(LiveRules.version)))
    # The built-in text is version 1: the first saved version is 2, so an acknowledgement of 1 keeps its meaning.
    row = LiveRules(version=max(latest or DEFAULT.version, DEFAULT.version) + 1, body_vi=vi, body_en=en,
                    created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    return row
