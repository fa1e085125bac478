"""Demo training content: three complete courses in Vietnamese for household businesses, and one class."""
from __future__ import annotations

import io

from sqlalchemy import select

from ..accounts.services import find_user_by_login
from ..core import addresses
from ..core.storage import get_storage
from ..extensions import db
from . import authoring, cohorts, services
from .models import Cohort, Course

TRAINER_PHONE = "0900000002"

# Each course: slug, title, summary, English title and summary, modules.
# Each module: title, lessons (title, minutes, Markdown body), quiz or None, tasks [(kind, title, instructions)].
COURSES = [
    {
        "slug": "ban-hang-online-chup-anh",
        "title": "Bán hàng online và chụp ảnh sản phẩm bằng điện thoại",
        "summary": "Mở gian hàng trên Chợ Live, viết tên và mô tả dễ tìm, chụp ảnh sản phẩm đẹp chỉ với một chiếc điện thoại.",
        "title_en": "Selling online and photographing products with a phone",
        "summary_en": "Open a shop on Chợ Live, write names and descriptions buyers can find, and take good product "
                      "photos with nothing but a phone.",
        "modules": [
            {
                "title": "Bắt đầu bán hàng online",
                "lessons": [
                    ("Bán online là gì, bắt đầu từ đâu?", 5, """
Bán hàng online là **đưa sản phẩm của nhà mình lên mạng** để người ở xa cũng xem được, hỏi được và đặt mua được. Khách không cần đến tận vườn hay ra chợ.

## Cần chuẩn bị gì?

- Một chiếc **điện thoại thông minh** có camera và mạng 4G hoặc Wi-Fi.
- **Sản phẩm thật** mà nhà mình làm ra hoặc bán thường xuyên: bưởi, rau, gạo, đồ mây tre...
- Một **tài khoản ngân hàng** để nhận chuyển khoản (có thể thêm sau).
- Khoảng **30 phút mỗi ngày** để trả lời khách và cập nhật hàng.

## Bắt đầu từ món mình bán giỏi nhất

Đừng đưa lên cả chục món ngay ngày đầu. Hãy chọn **một đến ba sản phẩm** mà nhà mình hiểu rõ nhất: biết giá, biết còn bao nhiêu, biết cách bảo quản. Bán tốt vài món rồi mới mở rộng.

> Mẹo: hỏi những người đã từng mua của nhà mình xem vì sao họ thích. Câu trả lời đó chính là điều cần viết trong phần mô tả.
"""),
                    ("Mở gian hàng trên Chợ Live", 6, """
Gian hàng là "sạp hàng" của hộ kinh doanh hoặc hợp tác xã trên Chợ Live.

## Các bước

1. Đăng ký tài khoản bằng **số điện thoại** của mình.
2. Vào **Tài khoản → Tạo hợp tác xã hoặc hộ kinh doanh**, chọn đúng loại của mình.
3. Điền tên gian hàng, **xã/phường** và một câu giới thiệu ngắn.
4. Thêm **số điện thoại liên hệ** để khách gọi khi cần.
5. Thêm **tài khoản ngân hàng** để hệ thống tạo mã VietQR cho khách chuyển khoản.

## Đặt tên gian hàng thế nào?

Tên nên có **sản phẩm chính** và **nơi làm ra**, ví dụ: *Bưởi Diễn Hát Môn*, *Gạo nếp Liên Minh*. Khách nhìn tên là biết bán gì, ở đâu.

Nếu trong nhà có nhiều người cùng bán, chủ gian hàng có thể **thêm nhân viên** bằng số điện thoại của họ.
"""),
                    ("Viết tên và mô tả sản phẩm dễ tìm", 6, """
Khách thường tìm bằng cách gõ vài chữ, **nhiều người gõ không dấu**: "buoi dien", "gao nep". Chợ Live tìm được cả khi không dấu, nhưng tên sản phẩm vẫn phải **đúng và đủ**.

## Tên sản phẩm

Công thức dễ nhớ: **Loại hàng + giống/đặc điểm + nơi làm ra + quy cách**.

- Chưa tốt: *Bưởi ngon*
- Tốt: *Bưởi Diễn Hát Môn, quả 1–1,2 kg*

## Mô tả

Viết như đang nói chuyện với khách ở chợ, mỗi ý một dòng:

- Trồng ở đâu, thu hoạch khi nào.
- Vị, mùi, độ tươi; cách bảo quản.
- Khối lượng hoặc kích thước thật.
- Giao hàng trong bao lâu.

**Đừng hứa quá sự thật.** Nói "ngọt nhất vùng" mà khách nhận quả chua thì mất khách. Nói đúng thì khách quay lại.

## Giá

Ghi **giá rõ ràng**, tính theo đơn vị khách dễ hiểu: một quả, một ký, một bó. Có giảm giá thì ghi cả giá cũ để khách thấy.
"""),
                ],
                "quiz": None,
                "tasks": [],
            },
            {
                "title": "Chụp ảnh sản phẩm bằng điện thoại",
                "lessons": [
                    ("Ánh sáng: chụp gần cửa sổ", 5, """
Ánh sáng quyết định **hơn một nửa** độ đẹp của bức ảnh.

## Nên

- Chụp **ban ngày**, đặt sản phẩm **gần cửa sổ** hoặc dưới hiên nhà, nơi có ánh sáng tự nhiên dịu.
- Buổi sáng (8–10 giờ) hoặc chiều muộn cho ánh sáng mềm, màu thật.
- Dùng một tờ giấy trắng hoặc tấm xốp trắng đặt đối diện cửa sổ để **hắt sáng** vào phía bị tối.

## Không nên

- Chụp dưới **nắng gắt giữa trưa**: bóng đổ đen, màu bị cháy.
- Bật **đèn flash** của điện thoại: sản phẩm bóng loáng, màu sai.
- Chụp dưới bóng đèn vàng buổi tối: rau xanh thành màu vàng úa.

> Thử ngay: chụp cùng một quả bưởi ở giữa nhà và cạnh cửa sổ, rồi so hai ảnh.
"""),
                    ("Bố cục và phông nền đơn giản", 5, """
Khách cần nhìn **rõ sản phẩm**, không phải đồ đạc xung quanh.

## Phông nền

- Dùng phông **một màu, sạch**: tấm vải trắng, tờ giấy lớn, mặt bàn gỗ, cái nia tre.
- Dọn hết đồ thừa: chai lọ, dép, dây điện.
- Nông sản hợp với phông mộc mạc: lá chuối, rổ tre — nhưng đừng để phông "lấn" sản phẩm.

## Cách cầm máy

- **Lau ống kính** bằng vải mềm trước khi chụp: vân tay làm ảnh bị mờ.
- Giữ máy thật chắc, tì tay lên bàn hoặc dùng giá đỡ.
- **Chạm vào sản phẩm trên màn hình** để máy lấy nét đúng chỗ.
- **Không phóng to (zoom)** bằng hai ngón tay: ảnh bị vỡ. Muốn to thì bước lại gần.

## Bố cục

Đặt sản phẩm ở giữa hoặc theo đường một phần ba của khung hình. Để một khoảng trống nhỏ quanh sản phẩm, đừng cắt mất một phần.
"""),
                    ("Đủ ảnh: ảnh chính, ảnh cận, ảnh kích thước", 6, """
Một sản phẩm nên có **ít nhất ba ảnh**. Khách không cầm được hàng trên tay, ảnh phải thay cho đôi mắt của khách.

1. **Ảnh chính**: toàn bộ sản phẩm, rõ, sáng. Đây là ảnh hiện trong danh sách.
2. **Ảnh cận**: vỏ quả, hạt gạo, đường đan — cho thấy chất lượng.
3. **Ảnh so kích thước**: đặt cạnh bàn tay, cái bát hoặc quả trứng để khách biết to nhỏ.
4. (Nên có) **Ảnh bên trong** hoặc lúc dùng: múi bưởi đã bóc, nồi xôi đã nấu, cái giỏ đang đựng đồ.
5. (Nên có) **Ảnh đóng gói**: khách yên tâm hàng đến nơi còn nguyên.

## Màu phải thật

Không dùng bộ lọc làm màu rực lên quá mức. Khách nhận hàng thấy khác ảnh sẽ không tin nữa.

## Sau khi chụp

Vào **Tài khoản → tên gian hàng → Sản phẩm**, tải ảnh lên, đưa ảnh đẹp nhất lên đầu. Chợ Live tự thu nhỏ ảnh để khách ở vùng mạng yếu vẫn xem nhanh.
"""),
                ],
                "quiz": {
                    "title": "Kiểm tra: bán online và chụp ảnh",
                    "pass_mark": 70,
                    "questions": [
                        {"kind": "single", "prompt": "Nên chụp ảnh sản phẩm ở đâu để có ánh sáng đẹp nhất?",
                         "choices": [
                             ("Gần cửa sổ, ban ngày", True, "Đúng. Ánh sáng tự nhiên dịu cho màu thật và ít bóng đổ."),
                             ("Dưới nắng gắt giữa trưa", False, "Nắng gắt làm bóng đổ đen và màu bị cháy."),
                             ("Trong phòng tối, bật đèn flash", False, "Đèn flash làm sản phẩm bóng loáng và sai màu."),
                         ],
                         "explanation": "Ánh sáng tự nhiên gần cửa sổ là cách dễ nhất để có ảnh đẹp."},
                        {"kind": "picture", "prompt": "Ảnh nào nên dùng làm ảnh chính của sản phẩm?",
                         "pictures": [
                             ("Ảnh sáng, phông trơn", True, "Đúng. Sản phẩm rõ, sáng, phông nền không lấn át."),
                             ("Ảnh tối, nền rối", False, "Ảnh tối và nền lộn xộn làm khách không thấy rõ hàng."),
                         ],
                         "explanation": "Ảnh chính phải cho thấy toàn bộ sản phẩm, rõ và sáng."},
                        {"kind": "multiple", "prompt": "Những ảnh nào nên có cho một sản phẩm?",
                         "choices": [
                             ("Ảnh chính toàn bộ sản phẩm", True, "Ảnh này hiện trong danh sách hàng."),
                             ("Ảnh cận thấy rõ chất lượng", True, "Cho khách thấy vỏ, hạt, đường đan..."),
                             ("Ảnh đặt cạnh bàn tay để so kích thước", True, "Khách biết hàng to hay nhỏ."),
                             ("Ảnh đã chỉnh màu thật rực cho bắt mắt", False, "Màu sai làm khách mất lòng tin khi nhận hàng."),
                         ],
                         "explanation": "Ít nhất ba ảnh: ảnh chính, ảnh cận và ảnh so kích thước."},
                        {"kind": "short", "prompt": "Một sản phẩm nên có ít nhất mấy ảnh? (viết bằng chữ hoặc số)",
                         "accepted": ["3", "ba", "3 ảnh", "ba ảnh"],
                         "explanation": "Ít nhất ba ảnh: ảnh chính, ảnh cận, ảnh so kích thước."},
                    ],
                },
                "tasks": [
                    ("product_with_photos", "Đăng một sản phẩm có ít nhất ba ảnh và giá",
                     "Vào Tài khoản → tên gian hàng → Sản phẩm, tạo sản phẩm, tải lên ít nhất ba ảnh, ghi giá và chọn \"Đang bán\". "
                     "Xong thì bấm \"Tôi đã làm — kiểm tra\"."),
                ],
            },
        ],
    },
    {
        "slug": "ban-hang-livestream-chot-don",
        "title": "Bán hàng qua livestream và chốt đơn từ bình luận",
        "summary": "Chuẩn bị một buổi phát trực tiếp, giới thiệu sản phẩm cuốn hút và chốt đơn nhanh, đúng từ bình luận của khách.",
        "title_en": "Selling by livestream and closing orders from comments",
        "summary_en": "Prepare a live sale, present products well, and close orders quickly and correctly from "
                      "buyers' comments.",
        "modules": [
            {
                "title": "Chuẩn bị buổi live",
                "lessons": [
                    ("Chuẩn bị trước buổi live", 6, """
Một buổi live tốt được quyết định **trước khi bấm nút phát**.

## Thiết bị

- Điện thoại **sạc đầy pin**, cắm sạc dự phòng.
- **Giá đỡ** điện thoại: tay cầm sẽ rung và mỏi.
- Mạng ổn định: thử tốc độ trước, ưu tiên Wi-Fi. Tắt các ứng dụng khác.
- Nếu có, dùng **micro cài áo** để tiếng rõ hơn.

## Nơi live

- Đủ sáng (xem lại bài chụp ảnh), phía sau gọn gàng.
- Yên tĩnh: tắt tivi, nhờ người nhà giữ trẻ nhỏ.
- Bày sẵn sản phẩm trong tầm tay, **mỗi món một mã** dễ đọc.

## Thông báo trước

Lên lịch buổi live trên Chợ Live và báo trước cho khách quen **một đến hai ngày**: giờ live, món sẽ bán, có giảm giá gì. Giờ tốt thường là **buổi tối 20–22 giờ** hoặc trưa 11–13 giờ, khi khách rảnh xem điện thoại.
"""),
                    ("Mã sản phẩm và cách khách đặt hàng", 5, """
Trong livestream, khách đặt hàng bằng cách **gõ bình luận**. Muốn chốt đơn nhanh và không nhầm, mỗi sản phẩm phải có **mã ngắn**.

## Mã sản phẩm

- Mã gồm chữ và số, ngắn: **A12**, **B3**, **G1**.
- Viết mã lên tờ giấy to đặt cạnh sản phẩm, đọc to mã khi giới thiệu.

## Khách bình luận thế nào?

Hướng dẫn khách ngay đầu buổi live, nhắc lại vài lần:

> Muốn mua, cô chú anh chị gõ **chốt + mã + số lượng**, ví dụ: **chốt A12 x2**.

Chợ Live đọc được nhiều kiểu viết: *chot a12 2*, *A12 x2*, *lấy 2 A12*... kể cả **không dấu** hay viết hoa thường lẫn lộn. Đơn đọc được sẽ **giữ hàng cho khách** ngay lập tức, người đến trước được trước.

## Hàng có hạn

Ghi đúng **số lượng còn** trước khi live. Khi hết, hệ thống tự báo "hết hàng" cho khách đến sau — không bán quá số mình có.
"""),
                ],
                "quiz": None,
                "tasks": [],
            },
            {
                "title": "Trong buổi live",
                "lessons": [
                    ("Mở đầu và giới thiệu sản phẩm", 6, """
**Ba mươi giây đầu** quyết định khách ở lại hay lướt qua.

## Mở đầu

- Chào khách, giới thiệu mình là ai, ở xã nào.
- Nói ngay **hôm nay bán gì, giá ưu đãi gì**.
- Nhắc cách đặt hàng: *chốt + mã + số lượng*.

## Giới thiệu một sản phẩm

1. **Cầm lên, đưa gần camera**: khách cần thấy tận mắt.
2. Đọc **mã và giá** thật rõ, nhắc hai lần.
3. Kể **một điều đặc biệt**: bưởi hái sáng nay, gạo vụ mới, giỏ đan tay mất hai ngày.
4. **Làm thử**: bổ quả bưởi, vo nắm gạo, đặt đồ vào giỏ.
5. Báo **số lượng còn lại**: "còn 10 quả thôi ạ".

## Giữ không khí

Gọi tên khách khi đọc bình luận: "Chị Trang hỏi bưởi có ngọt không — dạ ngọt thanh chị ạ". Khách thấy được quan tâm sẽ ở lại lâu hơn.
"""),
                    ("Chốt đơn từ bình luận", 7, """
Chốt đơn là **xác nhận với khách**: mua món gì, bao nhiêu, giao đi đâu.

## Trên màn hình điều khiển của người bán

- Mỗi bình luận đặt hàng hiện kèm **đơn đã giữ**: tên khách, mã, số lượng.
- Bình luận hệ thống **chưa hiểu** (ví dụ "lấy cho chị 2 quả to") hiện riêng để mình **xử lý bằng tay**.

## Cách chốt đúng

1. **Đọc to** tên khách và món: "Chị Ngọc chốt 2 quả A12, em ghi rồi ạ."
2. Kiểm tra **số lượng còn**. Hết hàng thì xin lỗi và gợi ý món khác.
3. Nhắc khách **vào giỏ hàng** để điền địa chỉ và chọn cách trả tiền.
4. Khách đổi ý **hủy** thì hủy ngay để trả hàng cho người khác.

## Những lỗi hay gặp

- Chốt nhầm mã vì đọc vội → luôn nhìn mã trên màn hình, không đoán.
- Bỏ sót bình luận khi đông khách → nhờ **một người phụ** theo dõi bình luận.
- Hứa giữ hàng bằng miệng mà không ghi → chỉ tính đơn đã hiện trên màn hình.
"""),
                    ("Trả lời câu hỏi, khách hủy, hết hàng", 5, """
## Câu hỏi của khách

Khách hỏi giá, hỏi ship, hỏi còn hàng không. Trả lời **ngắn, nhanh** và gọi tên khách. Câu hỏi lặp lại nhiều lần thì nói to cho cả buổi: "Ship toàn quốc, nội huyện giao trong ngày ạ".

## Khách hủy đơn

Không sao cả. **Hủy trên màn hình** ngay để hàng quay lại cho khách khác. Cảm ơn khách, mời lần sau.

## Hết hàng

Khi món nào hết, hệ thống báo cho khách đến sau. Mình nói: "A12 hết rồi ạ, ai cần để lại bình luận, vụ sau em báo". Đừng bán thêm khi không còn hàng: khách chờ mà không có hàng sẽ không quay lại.

## Sau buổi live

- Xem lại **danh sách đơn**, gọi hoặc nhắn cho khách chưa điền địa chỉ.
- Ghi lại món bán chạy, giờ đông khách để buổi sau làm tốt hơn.

> Hãy **luyện tập** với buổi live thử: khách ảo sẽ bình luận đủ kiểu để mình tập chốt đơn trước khi bán thật.
"""),
                ],
                "quiz": {
                    "title": "Kiểm tra: livestream và chốt đơn",
                    "pass_mark": 70,
                    "questions": [
                        {"kind": "single", "prompt": "Khách muốn mua 2 sản phẩm mã A12. Nên hướng dẫn khách gõ gì?",
                         "choices": [
                             ("chốt A12 x2", True, "Đúng. Chốt + mã + số lượng là cách nhanh và rõ nhất."),
                             ("cho mình xin giá", False, "Đây là câu hỏi, chưa phải đặt hàng."),
                             ("inbox nhé", False, "Nhắn riêng làm mất thời gian và dễ bỏ sót đơn."),
                         ],
                         "explanation": "Nhắc khách cú pháp chốt + mã + số lượng nhiều lần trong buổi live."},
                        {"kind": "multiple", "prompt": "Những việc nào nên làm trước khi bắt đầu live?",
                         "choices": [
                             ("Sạc đầy pin và dùng giá đỡ điện thoại", True, "Máy không tắt giữa chừng, hình không rung."),
                             ("Ghi đúng số lượng hàng còn", True, "Để không bán quá số hàng mình có."),
                             ("Báo trước giờ live cho khách quen", True, "Khách biết giờ để vào xem."),
                             ("Bật tivi cho vui nhà", False, "Tiếng ồn làm khách không nghe rõ."),
                         ],
                         "explanation": "Chuẩn bị kỹ thiết bị, hàng và khách trước giờ live."},
                        {"kind": "single", "prompt": "Khách đã chốt đơn rồi bình luận xin hủy. Người bán nên làm gì?",
                         "choices": [
                             ("Hủy đơn trên màn hình ngay để trả hàng cho khách khác", True,
                              "Đúng. Hàng được trả lại để người khác mua."),
                             ("Lờ đi, coi như khách vẫn mua", False, "Khách sẽ không nhận hàng, mình mất phí giao."),
                             ("Tranh cãi với khách trên live", False, "Làm các khách khác ngại mua."),
                         ],
                         "explanation": "Hủy nhanh, vui vẻ, mời khách lần sau."},
                        {"kind": "short", "prompt": "Trong câu \"chốt B3 x4\", mã sản phẩm là gì?",
                         "accepted": ["B3"],
                         "explanation": "Mã là B3, số lượng là 4."},
                    ],
                },
                "tasks": [
                    ("practice_orders", "Chốt đúng ít nhất năm đơn trong buổi live thử",
                     "Mở buổi live thử với khách ảo, chốt đúng ít nhất năm đơn. Xong thì bấm kiểm tra."),
                ],
            },
        ],
    },
    {
        "slug": "thanh-toan-dong-goi-giao-hang",
        "title": "Thanh toán, đóng gói và giao hàng",
        "summary": "Nhận tiền an toàn bằng COD và VietQR, đối soát tiền về, đóng gói nông sản và giao hàng đúng hẹn.",
        "title_en": "Payment, packing and shipping",
        "summary_en": "Get paid safely by cash on delivery and VietQR, reconcile payments, pack farm produce and ship "
                      "on time.",
        "modules": [
            {
                "title": "Nhận tiền",
                "lessons": [
                    ("Thu tiền khi giao hàng (COD)", 5, """
**COD** (tiếng Anh *cash on delivery*) là khách **trả tiền mặt khi nhận hàng**. Nhiều khách ở quê thích cách này vì thấy hàng rồi mới trả tiền.

## Cách hoạt động

1. Khách đặt hàng, chọn **Thanh toán khi nhận hàng**.
2. Mình đóng gói, gửi qua người giao hàng hoặc tự đi giao.
3. Người giao **thu tiền hộ** khi khách nhận hàng.
4. Đơn vị vận chuyển **chuyển lại tiền** cho mình sau vài ngày, đã trừ phí giao và phí thu hộ (nếu có).

## Lưu ý

- **Gọi xác nhận** với khách trước khi gửi đơn lớn hoặc đơn ở xa: giảm khách "bom hàng".
- Ghi **tổng tiền cần thu** rõ trên phiếu giao.
- Đơn giao thành công thì cập nhật trạng thái **Đã giao** trên Chợ Live để theo dõi tiền về.
"""),
                    ("Chuyển khoản bằng mã VietQR", 6, """
**VietQR** là mã QR chuyển khoản chung của các ngân hàng Việt Nam. Khách mở ứng dụng ngân hàng bất kỳ, **quét mã là xong**: số tài khoản, số tiền và nội dung đã điền sẵn.

## Trên Chợ Live

- Khi khách chọn chuyển khoản, trang đơn hàng hiện **mã VietQR của gian hàng**, có sẵn **số tiền** và **mã đơn** trong nội dung chuyển khoản.
- Mình chỉ cần khai báo đúng **ngân hàng, số tài khoản và tên chủ tài khoản** trong phần quản lý tổ chức.

## Vì sao phải có mã đơn trong nội dung?

Khi tiền về, hệ thống nhìn **mã đơn** trong nội dung chuyển khoản để biết tiền của đơn nào và **tự đánh dấu "đã trả tiền"**. Nếu khách sửa nội dung hoặc chuyển thiếu, đơn sẽ nằm trong mục **cần xem lại** để mình kiểm tra.

## Cẩn thận

- **Không giao hàng chỉ vì khách gửi ảnh chụp màn hình** chuyển khoản: ảnh có thể giả. Chỉ tin khi **tiền đã vào tài khoản**.
- Không bao giờ đọc **mã OTP** ngân hàng cho bất kỳ ai, kể cả người xưng là nhân viên ngân hàng.
"""),
                    ("Đối soát tiền về", 5, """
Đối soát là **so tiền đã nhận với các đơn đã bán**, để biết đơn nào đã trả, đơn nào chưa.

## Mỗi ngày

1. Mở danh sách đơn, lọc các đơn **đã giao** và **chờ thanh toán**.
2. Với chuyển khoản: đơn nào đã được **ghép tiền tự động** thì yên tâm; đơn nằm trong **cần xem lại** thì mở sao kê ngân hàng để kiểm tra.
3. Với COD: đối chiếu **bảng kê** của đơn vị vận chuyển với các đơn đã giao.

## Ghi chép

Ghi lại mỗi ngày: tổng tiền bán, tiền đã về, tiền còn chờ. Sổ tay hay bảng tính đều được, miễn **đều đặn**. Cuối tháng mình biết rõ lãi lỗ, món nào bán chạy.
"""),
                ],
                "quiz": None,
                "tasks": [
                    ("vietqr_matched", "Nhận một khoản chuyển khoản VietQR được ghép đúng đơn",
                     "Khai báo tài khoản ngân hàng, bán một đơn cho khách chọn chuyển khoản VietQR. Khi tiền về và được "
                     "ghép đúng đơn, nhiệm vụ tự hoàn thành."),
                ],
            },
            {
                "title": "Đóng gói và giao hàng",
                "lessons": [
                    ("Đóng gói nông sản và hàng dễ vỡ", 6, """
Hàng đến tay khách **nguyên vẹn, tươi ngon** thì khách mới mua lại.

## Rau, quả tươi

- Thu hái **gần giờ giao**, để ráo nước trước khi gói.
- Rau: bó gọn, cho vào túi có **lỗ thoáng** hoặc thùng xốp có lỗ; không buộc quá chặt.
- Bưởi, cam: bọc từng quả bằng **lưới xốp** hoặc giấy, xếp chặt trong thùng carton để không lăn.

## Gạo, đồ khô

- Túi **hút chân không** hoặc túi dày, hàn kín miệng.
- Ghi **ngày đóng gói** lên túi.

## Hàng dễ vỡ (lọ mật ong, đồ gốm)

- Bọc **nhiều lớp** màng xốp hơi, chèn kín các khoảng trống.
- Dán nhãn **"Hàng dễ vỡ — nhẹ tay"**.

## Trên mỗi kiện hàng

Dán phiếu có **mã đơn, tên và số điện thoại người nhận, địa chỉ**, tiền cần thu nếu là COD. Chợ Live có sẵn **phiếu đóng gói** để in.
"""),
                    ("Giao hàng và chăm sóc khách sau bán", 5, """
## Chọn cách giao

- **Trong xã, trong huyện**: tự giao hoặc nhờ người quen, giao ngay trong ngày.
- **Đi xa**: gửi qua đơn vị vận chuyển; chọn dịch vụ nhanh cho hàng tươi.

## Cập nhật trạng thái đơn

Mỗi bước đều bấm trên Chợ Live: **Xác nhận → Đã đóng gói → Đã gửi → Đã giao**. Khách theo dõi được đơn của mình và ít phải gọi hỏi.

## Sau khi giao

- Nhắn **cảm ơn** khách, hỏi hàng có ổn không.
- Hàng có lỗi: **xin lỗi và đổi hoặc hoàn tiền** nhanh. Một khách hài lòng sẽ giới thiệu thêm khách mới.
- Lưu số khách quen để **báo buổi live sau**.

> Chúc mừng! Khi nhận được **đơn hàng thật đầu tiên**, bạn đã thật sự bán hàng online.
"""),
                ],
                "quiz": {
                    "title": "Kiểm tra: thanh toán và giao hàng",
                    "pass_mark": 70,
                    "questions": [
                        {"kind": "single", "prompt": "Khách gửi ảnh chụp màn hình đã chuyển khoản nhưng tài khoản chưa thấy tiền. Nên làm gì?",
                         "choices": [
                             ("Chờ tiền vào tài khoản rồi mới giao", True, "Đúng. Ảnh chụp có thể bị làm giả."),
                             ("Giao ngay vì đã có ảnh", False, "Ảnh chụp màn hình không phải bằng chứng tiền đã về."),
                         ],
                         "explanation": "Chỉ tin khi tiền đã thật sự vào tài khoản."},
                        {"kind": "short", "prompt": "Viết tắt của hình thức \"thu tiền khi giao hàng\" là gì?",
                         "accepted": ["COD"],
                         "explanation": "COD: cash on delivery, thu tiền khi giao hàng."},
                        {"kind": "multiple", "prompt": "Phiếu dán trên kiện hàng cần có những gì?",
                         "choices": [
                             ("Mã đơn hàng", True, "Để đối chiếu khi có vấn đề."),
                             ("Tên và số điện thoại người nhận", True, "Người giao cần gọi khách."),
                             ("Địa chỉ người nhận", True, "Không có thì không giao được."),
                             ("Mã OTP ngân hàng của người bán", False, "Không bao giờ ghi hay đưa mã OTP cho ai."),
                         ],
                         "explanation": "Mã đơn, người nhận, số điện thoại, địa chỉ và tiền thu hộ nếu có."},
                        {"kind": "single", "prompt": "Nội dung chuyển khoản VietQR trên Chợ Live có mã đơn để làm gì?",
                         "choices": [
                             ("Để hệ thống tự ghép tiền về đúng đơn", True, "Đúng. Đơn được đánh dấu đã trả tiền."),
                             ("Để ngân hàng tính phí cao hơn", False, "Mã đơn không ảnh hưởng phí ngân hàng."),
                             ("Không để làm gì", False, "Mã đơn giúp đối soát tự động."),
                         ],
                         "explanation": "Giữ nguyên nội dung chuyển khoản để tiền tự khớp với đơn."},
                    ],
                },
                "tasks": [
                    ("first_real_order", "Nhận đơn hàng thật đầu tiên",
                     "Khi gian hàng của bạn nhận đơn hàng thật đầu tiên từ khách, nhiệm vụ tự hoàn thành."),
                ],
            },
        ],
    },
]


def _picture(good: bool) -> bytes:
    """A small drawn picture for the picture-choice question: a bright tidy shot or a dark cluttered one."""
    from PIL import Image, ImageDraw

    if good:
        image = Image.new("RGB", (240, 240), (246, 244, 236))
        draw = ImageDraw.Draw(image)
        draw.ellipse((60, 60, 180, 180), fill=(140, 190, 60), outline=(90, 140, 40), width=4)
        draw.rectangle((112, 44, 128, 64), fill=(90, 120, 40))
    else:
        image = Image.new("RGB", (240, 240), (52, 44, 40))
        draw = ImageDraw.Draw(image)
        for i, colour in enumerate([(120, 40, 40), (40, 60, 120), (90, 90, 30), (70, 40, 90)]):
            draw.rectangle((10 + 55 * i, 20 + 30 * (i % 2), 60 + 55 * i, 110 + 30 * (i % 2)), fill=colour)
        draw.ellipse((80, 110, 170, 200), fill=(70, 90, 35))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _build_course(trainer, spec: dict) -> Course:
    course = authoring.create_course(trainer, authoring.CourseData(
        title=spec["title"], summary=spec["summary"], title_en=spec["title_en"], summary_en=spec["summary_en"]),
        slug=spec["slug"])
    for module_spec in spec["modules"]:
        module = authoring.add_module(trainer, course, module_spec["title"])
        for title, minutes, body in module_spec["lessons"]:
            authoring.add_lesson(trainer, module, authoring.LessonData(title=title, body=body.strip(), minutes=minutes))
        quiz_spec = module_spec["quiz"]
        if quiz_spec:
            quiz = authoring.add_quiz(trainer, module, quiz_spec["title"], quiz_spec["pass_mark"])
            for q in quiz_spec["questions"]:
                if q["kind"] == "picture":
                    choices = [authoring.ChoiceData(text=text, correct=right, explanation=why,
                                                    image_key=authoring.store_quiz_image(trainer, _picture(right),
                                                                                         get_storage()))
                               for text, right, why in q["pictures"]]
                else:
                    choices = [authoring.ChoiceData(text=text, correct=right, explanation=why)
                               for text, right, why in q.get("choices", [])]
                authoring.add_question(trainer, quiz, kind=q["kind"], prompt=q["prompt"], choices=choices,
                                       accepted=q.get("accepted"), explanation=q.get("explanation"))
        for kind, title, instructions in module_spec["tasks"]:
            authoring.add_task(trainer, module, title=title, kind=kind, instructions=instructions)
    authoring.set_course_status(trainer, course, "published")
    return course


def seed_training() -> int:
    """Add the demo courses not there yet (matched by slug) and the demo class; return how many courses were added."""
    trainer = find_user_by_login(TRAINER_PHONE)
    if trainer is None:
        return 0
    added = 0
    for position, spec in enumerate(COURSES, 1):
        course = db.session.scalar(select(Course).where(Course.slug == spec["slug"]))
        if course is None:
            course = _build_course(trainer, spec)
            added += 1
        course.position = position
    _seed_class(trainer)
    db.session.flush()
    return added


def _seed_class(trainer) -> None:
    """A class in Xã Ô Diên with three households enrolled in the first course, one already part-way."""
    name = "Lớp bán hàng online xã Ô Diên"
    if db.session.scalar(select(Cohort.id).where(Cohort.name == name)) is not None:
        return
    course = db.session.scalar(select(Course).where(Course.slug == COURSES[0]["slug"]))
    commune = addresses.find_commune("Xã Ô Diên")
    if course is None or commune is None:
        return
    cohort = cohorts.create_cohort(trainer, name=name, commune_code=commune, course_id=course.id)
    for phone in ("0911000003", "0911000006", "0911000004"):
        user = find_user_by_login(phone)
        if user is None:
            continue
        if user.commune_code is None and user.memberships:
            org = user.memberships[0].organisation
            user.commune_code, user.province_code = org.commune_code, org.province_code
        cohorts.add_member(trainer, cohort, phone)
    first = find_user_by_login("0911000003")
    if first is not None:
        for lesson in course.lessons[:3]:
            services.complete_lesson(first, lesson)
