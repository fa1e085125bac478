"""Carrier doubles: GHN (Shiip public API), GHTK and Viettel Post partner API, each with its own area list for a
few pre-reform places (Hà Nội: Đan Phượng/Tân Hội and Hoàn Kiếm/Hàng Trống), fees, bookings, labels (PDF, or
GHN's HTML print page), cancels and tracking, recording every request."""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field

from . import HttpDouble, Recorded, Reply, label_pdf

# (province, district, ward) names as each carrier spells them, with its ids.
GHN_AREAS = {"provinces": [{"ProvinceID": 201, "ProvinceName": "Hà Nội"},
                           {"ProvinceID": 202, "ProvinceName": "Hồ Chí Minh"}],
             "districts": {201: [{"DistrictID": 1484, "ProvinceID": 201, "DistrictName": "Quận Hoàn Kiếm"},
                                 {"DistrictID": 1581, "ProvinceID": 201, "DistrictName": "Huyện Đan Phượng"}]},
             "wards": {1484: [{"WardCode": "1A0105", "DistrictID": 1484, "WardName": "Phường Hàng Trống"}],
                       1581: [{"WardCode": "1B2114", "DistrictID": 1581, "WardName": "Xã Tân Hội"}]}}


def _fee(weight: int) -> int:
    return 22_000 + 2_500 * max(0, math.ceil(weight / 500) - 1)


@dataclass
class GhnDouble(HttpDouble):
    token: str = "ghn-token"
    orders: dict = field(default_factory=dict)  # order_code → body + status
    print_tokens: dict = field(default_factory=dict)

    def _ok(self, data) -> Reply:
        return Reply.of({"code": 200, "message": "Success", "data": data})

    def handle(self, request: Recorded) -> Reply:
        path = request.path
        if path == "/a5/public-api/printA5":
            codes = self.print_tokens.get(request.query.get("token"))
            if codes is None:
                return Reply(404, b"token expired", "text/html")
            html = "".join(f"<section class='label'>{c}</section>" for c in codes)
            return Reply(200, f"<html><body>{html}</body></html>".encode(), "text/html; charset=utf-8")
        if request.header("Token") != self.token:
            return Reply.of({"code": 401, "message": "Token is not valid", "data": None}, 401)
        api = path.removeprefix("/shiip/public-api/")
        if api == "master-data/province":
            return self._ok(GHN_AREAS["provinces"])
        if api == "master-data/district":
            return self._ok(GHN_AREAS["districts"].get(int(request.query.get("province_id") or 0), []))
        if api == "master-data/ward":
            return self._ok(GHN_AREAS["wards"].get(int(request.query.get("district_id") or 0), []))
        body = request.json() if request.body else {}
        if api == "v2/shipping-order/fee":
            if not request.header("ShopId") or not body.get("to_district_id") or not body.get("to_ward_code"):
                return Reply.of({"code": 400, "message": "ShopId, to_district_id and to_ward_code are required"}, 400)
            fee = _fee(int(body.get("weight") or 0))
            return self._ok({"total": fee, "service_fee": fee, "insurance_fee": 0, "cod_fee": 0})
        if api == "v2/shipping-order/create":
            required = ("to_name", "to_phone", "to_address", "to_ward_code", "to_district_id", "weight",
                        "service_type_id", "payment_type_id", "required_note", "client_order_code")
            missing = [name for name in required if not body.get(name)]
            if missing or not request.header("ShopId"):
                return Reply.of({"code": 400, "message": f"missing {missing or ['ShopId']}"}, 400)
            if any(o["client_order_code"] == body["client_order_code"] for o in self.orders.values()):
                return Reply.of({"code": 400, "message": "Mã đơn hàng của khách hàng đã tồn tại"}, 400)
            code = "G" + secrets.token_hex(4).upper()
            self.orders[code] = {**body, "status": "ready_to_pick"}
            return self._ok({"order_code": code, "sort_code": "190-G-01-A9", "trans_type": "truck",
                             "total_fee": _fee(int(body["weight"])), "expected_delivery_time": "2026-12-09T16:59:59Z"})
        if api == "v2/a5/gen-token":
            codes = [c for c in body.get("order_codes") or [] if c in self.orders]
            if not codes:
                return Reply.of({"code": 400, "message": "order_codes not found"}, 400)
            token = secrets.token_hex(8)
            self.print_tokens[token] = codes
            return self._ok({"token": token})
        if api == "v2/switch-status/cancel":
            rows = []
            for code in body.get("order_codes") or []:
                ok = code in self.orders and self.orders[code]["status"] == "ready_to_pick"
                if ok:
                    self.orders[code]["status"] = "cancel"
                rows.append({"order_code": code, "result": ok, "message": "OK" if ok else "not cancellable"})
            return self._ok(rows)
        if api == "v2/shipping-order/detail":
            order = self.orders.get(body.get("order_code"))
            if order is None:
                return Reply.of({"code": 400, "message": "order not found"}, 400)
            return self._ok({"order_code": body["order_code"], "status": order["status"],
                             "cod_amount": order.get("cod_amount", 0), "updated_date": "2026-12-06T08:00:00Z"})
        return Reply.of({"code": 404, "message": "not found"}, 404)


GHTK_PLACES = {("Thành phố Hà Nội", "Huyện Đan Phượng", "Xã Tân Hội"), ("Thành phố Hà Nội", "Quận Hoàn Kiếm",
                                                                          "Phường Hàng Trống")}


@dataclass
class GhtkDouble(HttpDouble):
    token: str = "ghtk-token"
    orders: dict = field(default_factory=dict)  # label → order

    def handle(self, request: Recorded) -> Reply:
        if request.header("Token") != self.token:
            return Reply.of({"success": False, "message": "Token không hợp lệ"}, 401)
        path, q = request.path, request.query
        if path == "/services/shipment/fee" and request.method == "GET":
            if (q.get("province"), q.get("district"), q.get("ward")) not in GHTK_PLACES or \
                    (q.get("pick_province"), q.get("pick_district"), q.get("pick_ward")) not in GHTK_PLACES:
                return Reply.of({"success": False, "message": "Địa chỉ không hợp lệ"})
            return Reply.of({"success": True, "message": "", "fee": {"name": "area1", "fee": _fee(int(q["weight"])),
                                                                     "insurance_fee": 0, "delivery": True}})
        if path == "/services/shipment/order/" and request.method == "POST" and q.get("ver") == "1.5":
            body = request.json()
            order, products = body.get("order") or {}, body.get("products") or []
            places = {(order.get("province"), order.get("district"), order.get("ward")),
                      (order.get("pick_province"), order.get("pick_district"), order.get("pick_ward"))}
            if not products or not order.get("id") or not order.get("tel") or not places <= GHTK_PLACES:
                return Reply.of({"success": False, "message": "Thiếu thông tin đơn hàng"})
            for label, existing in self.orders.items():
                if existing["id"] == order["id"]:
                    return Reply.of({"success": False, "message": "Mã đơn hàng đã tồn tại",
                                     "error": {"code": "ORDER_ID_EXIST", "partner_id": order["id"],
                                               "ghtk_label": label, "status": existing["status"]}})
            label = f"S1.A1.{secrets.randbelow(10**9):09d}"
            weight = int(sum(float(p.get("weight") or 0) for p in products) * 1000)
            self.orders[label] = {**order, "status": "2", "weight": weight}
            return Reply.of({"success": True, "message": "", "order": {
                "partner_id": order["id"], "label": label, "area": "1", "fee": _fee(weight), "insurance_fee": 0,
                "estimated_pick_time": "Sáng 2026-12-07", "estimated_deliver_time": "Chiều 2026-12-08",
                "status_id": 2}})
        if path.startswith("/services/label/"):
            label = path.rsplit("/", 1)[-1]
            if label not in self.orders:
                return Reply.of({"success": False, "message": "Không tìm thấy vận đơn"}, 404)
            return Reply(200, label_pdf(label), "application/pdf")
        if path.startswith("/services/shipment/cancel/") and request.method == "POST":
            label = path.rsplit("/", 1)[-1]
            order = self.orders.get(label)
            if order is None or order["status"] not in ("1", "2"):
                return Reply.of({"success": False, "message": "Đơn hàng không thể hủy"})
            order["status"] = "-1"
            return Reply.of({"success": True, "message": ""})
        if path.startswith("/services/shipment/v2/"):
            label = path.rsplit("/", 1)[-1]
            order = self.orders.get(label)
            if order is None:
                return Reply.of({"success": False, "message": "Không tìm thấy vận đơn"})
            return Reply.of({"success": True, "message": "", "order": {
                "label_id": label, "partner_id": order["id"], "status": order["status"], "status_text": "",
                "modified": "2026-12-06 15:00:00", "pick_money": order.get("pick_money", 0), "ship_money": 22000}})
        return Reply.of({"success": False, "message": "not found"}, 404)


VTP_AREAS = {"provinces": [{"PROVINCE_ID": 1, "PROVINCE_CODE": "HNI", "PROVINCE_NAME": "Hà Nội"}],
             "districts": {1: [{"DISTRICT_ID": 9, "DISTRICT_VALUE": "002", "DISTRICT_NAME": "QUẬN HOÀN KIẾM",
                                "PROVINCE_ID": 1},
                               {"DISTRICT_ID": 25, "DISTRICT_VALUE": "273", "DISTRICT_NAME": "HUYỆN ĐAN PHƯỢNG",
                                "PROVINCE_ID": 1}]},
             "wards": {9: [{"WARDS_ID": 208, "WARDS_NAME": "PHƯỜNG HÀNG TRỐNG", "DISTRICT_ID": 9}],
                       25: [{"WARDS_ID": 493, "WARDS_NAME": "XÃ TÂN HỘI", "DISTRICT_ID": 25}]}}


@dataclass
class VtpDouble(HttpDouble):
    token: str = "vtp-token"
    print_token: str = "vtp-print-token"
    orders: dict = field(default_factory=dict)  # bill code → body
    links: dict = field(default_factory=dict)

    def _ok(self, data, message: str = "OK") -> Reply:
        return Reply.of({"status": 200, "error": False, "message": message, "data": data})

    def _err(self, message: str) -> Reply:
        return Reply.of({"status": 204, "error": True, "message": message, "data": None})

    def handle(self, request: Recorded) -> Reply:
        path = request.path
        if path.startswith("/print/"):
            codes = self.links.get(path.rsplit("/", 1)[-1])
            if codes is None:
                return Reply(404, b"", "text/plain")
            from app.shop.shipping.carriers._http import merge_pdfs

            pdf = label_pdf(codes[0]) if len(codes) == 1 else merge_pdfs([label_pdf(code) for code in codes])
            return Reply(200, pdf, "application/pdf")
        if request.header("Token") != self.token:
            return Reply.of({"status": 401, "error": True, "message": "Token invalid", "data": None}, 401)
        if path == "/v2/categories/listProvinceById":
            return self._ok(VTP_AREAS["provinces"])
        if path == "/v2/categories/listDistrict":
            return self._ok(VTP_AREAS["districts"].get(int(request.query.get("provinceId") or 0), []))
        if path == "/v2/categories/listWards":
            return self._ok(VTP_AREAS["wards"].get(int(request.query.get("districtId") or 0), []))
        body = request.json() if request.body else {}
        if path == "/v2/order/getPrice":
            if not body.get("RECEIVER_DISTRICT") or not body.get("SENDER_DISTRICT") or not body.get("ORDER_SERVICE"):
                return self._err("Thiếu thông tin tính cước")
            fee = _fee(int(body.get("PRODUCT_WEIGHT") or 0)) + 1_000
            return self._ok({"MONEY_TOTAL_OLD": fee, "MONEY_TOTAL": fee, "MONEY_TOTAL_FEE": fee - 1_000,
                             "MONEY_FEE": fee - 1_000, "MONEY_COLLECTION_FEE": 0, "MONEY_FEE_VAT": 1_000,
                             "KPI_HT": 24})
        if path == "/v2/order/createOrder":
            needed = ("ORDER_NUMBER", "RECEIVER_FULLNAME", "RECEIVER_PHONE", "RECEIVER_ADDRESS", "RECEIVER_DISTRICT",
                      "PRODUCT_WEIGHT", "ORDER_SERVICE", "ORDER_PAYMENT")
            if any(not body.get(name) for name in needed):
                return self._err("Thiếu thông tin đơn hàng")
            if any(o["ORDER_NUMBER"] == body["ORDER_NUMBER"] for o in self.orders.values()):
                return self._err("Mã đơn hàng đã tồn tại")
            bill = str(10_000_000_000 + secrets.randbelow(10**9))
            self.orders[bill] = {**body, "status": 100}
            fee = _fee(int(body["PRODUCT_WEIGHT"])) + 1_000
            return self._ok({"ORDER_NUMBER": bill, "MONEY_COLLECTION": body.get("MONEY_COLLECTION", 0),
                             "EXCHANGE_WEIGHT": body["PRODUCT_WEIGHT"], "MONEY_TOTAL": fee, "MONEY_TOTAL_FEE": fee,
                             "MONEY_FEE": fee, "MONEY_COLLECTION_FEE": 0, "MONEY_FEE_VAT": 0, "KPI_HT": 24})
        if path == "/v2/order/UpdateOrder":
            order = self.orders.get(body.get("ORDER_NUMBER"))
            if order is None or body.get("TYPE") != 4 or order["status"] not in (100, 101, 102):
                return self._err("Không thể hủy đơn")
            order["status"] = 107
            return self._ok(None)
        if path == "/v2/order/encryptLinkPrint":
            codes = [c for c in body.get("ORDER_ARRAY") or [] if c in self.orders]
            if body.get("PRINT_TOKEN") != self.print_token or not codes:
                return self._err("Token in không hợp lệ")
            key = secrets.token_hex(8)
            self.links[key] = codes
            return self._ok(f"{self.url}/print/{key}")
        return Reply.of({"status": 404, "error": True, "message": "not found"}, 404)
