"""Viettel Post partner API: header `Token`, answers {"status": 200, "error": false, "message": ..., "data": ...}.

{VTP_API_BASE}/v2/categories/listProvinceById?provinceId=-1, listDistrict?provinceId=, listWards?districtId=
(Viettel Post's own ids, matched by the pre-reform names of areas.py); /v2/order/getPrice, /v2/order/createOrder
(ORDER_NUMBER is ours, the answer's ORDER_NUMBER is Viettel Post's bill code), /v2/order/UpdateOrder (TYPE 4:
cancel), /v2/order/encryptLinkPrint (a link to the labels as PDF, with VTP_PRINT_TOKEN).
Webhook: Viettel Post posts {"DATA": {"ORDER_NUMBER", "ORDER_REFERENCE", "ORDER_STATUS", "ORDER_STATUSDATE",
"STATUS_NAME", "MONEY_COLLECTION", "MONEY_TOTAL", ...}, "TOKEN": "..."}: TOKEN is the secret we gave it.
Viettel Post publishes no call to read one order's status: its webhook is how orders move (`track` says so).
"""
from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l

from ....errors import InvalidInput
from ..areas import OldArea, old_area, walk
from . import Booking, Carrier, Label, Parcel, Quote, TrackEvent, refused
from ._http import call, to_int, to_time

NAME = "Viettel Post"
STATUS_TIME = ("%d/%m/%Y %H:%M:%S",)


def state_of(status: int | None) -> str | None:
    if status is None:
        return None
    if status in (107, 201, 503):
        return "cancelled"
    if status in (100, 101, 102, 103, 104):
        return "booked"
    if status in (105, 200):
        return "picked"
    if status == 501:
        return "delivered"
    if status == 504:
        return "returned"
    if status in (502, 505, 515):
        return "returning"
    if 300 <= status < 600:
        return "in_transit"
    return None


class ViettelPost(Carrier):
    code = "viettelpost"
    settings = ("VTP_TOKEN", "VTP_WEBHOOK_TOKEN", "VTP_PRINT_TOKEN")

    def __init__(self, token: str | None, api_base: str, webhook_token: str | None, print_token: str | None,
                 service: str = "VCN", timeout: float = 10):
        self.token, self.base, self.webhook_token = token, api_base.rstrip("/"), webhook_token
        self.print_token, self.service, self.timeout = print_token, service, timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ViettelPost:
        return cls(config.get("VTP_TOKEN"), config.get("VTP_API_BASE") or "https://partner.viettelpost.vn",
                   config.get("VTP_WEBHOOK_TOKEN"), config.get("VTP_PRINT_TOKEN"), config.get("VTP_SERVICE") or "VCN",
                   float(config.get("SHIPPING_QUOTE_TIMEOUT") or 10))

    def configured(self) -> bool:
        return bool(self.token)

    def _api(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = call(NAME, method, f"{self.base}/{path}", timeout=self.timeout, headers={"Token": self.token or ""},
                      **kwargs)
        if not isinstance(answer, dict) or answer.get("error") or answer.get("status") != 200:
            raise refused(NAME, str(answer.get("message") if isinstance(answer, dict) else "error"))
        return answer.get("data")

    def area(self, commune_code: int | None) -> tuple[int, int, int]:
        old = old_area(commune_code)
        if old is None:
            raise refused(NAME, "no pre-reform district for this commune")
        return _area_ids(self.base, self.token, self.timeout, old)

    def _route(self, parcel: Parcel) -> dict[str, Any]:
        sp, sd, sw = self.area(parcel.sender.commune_code)
        rp, rd, rw = self.area(parcel.receiver.commune_code)
        return {"SENDER_PROVINCE": sp, "SENDER_DISTRICT": sd, "SENDER_WARD": sw, "RECEIVER_PROVINCE": rp,
                "RECEIVER_DISTRICT": rd, "RECEIVER_WARD": rw, "PRODUCT_WEIGHT": parcel.weight_grams,
                "PRODUCT_PRICE": parcel.value, "MONEY_COLLECTION": parcel.cod_amount, "PRODUCT_TYPE": "HH",
                "ORDER_SERVICE": self.service, "ORDER_SERVICE_ADD": "", "NATIONAL_TYPE": 1}

    def quote(self, parcel: Parcel) -> Quote:
        data = self._api("POST", "v2/order/getPrice", json=self._route(parcel)) or {}
        return Quote("viettelpost", int(data.get("MONEY_TOTAL") or 0), service=self.service,
                     eta=str(data.get("KPI_HT") or "") or None)

    def create_shipment(self, parcel: Parcel, client_code: str) -> Booking:
        body = self._route(parcel)
        names = ", ".join(f"{name} x{qty}" for name, qty, _ in parcel.items)[:500]
        body.update(ORDER_NUMBER=client_code, GROUPADDRESS_ID=int(parcel.shop_id or 0), CUS_ID=0,
                    SENDER_FULLNAME=parcel.sender.name, SENDER_ADDRESS=parcel.sender.street,
                    SENDER_PHONE=parcel.sender.local_phone, RECEIVER_FULLNAME=parcel.receiver.name,
                    RECEIVER_ADDRESS=parcel.receiver.street, RECEIVER_PHONE=parcel.receiver.local_phone,
                    PRODUCT_NAME=names, PRODUCT_QUANTITY=sum(qty for _, qty, _ in parcel.items) or 1,
                    ORDER_PAYMENT=3 if parcel.cod_amount else 1, ORDER_NOTE=parcel.note[:500],
                    LIST_ITEM=[{"PRODUCT_NAME": name[:200], "PRODUCT_PRICE": price, "PRODUCT_QUANTITY": qty,
                                "PRODUCT_WEIGHT": max(1, parcel.weight_grams // max(1, len(parcel.items)))}
                               for name, qty, price in parcel.items])
        data = self._api("POST", "v2/order/createOrder", json=body) or {}
        if not data.get("ORDER_NUMBER"):
            raise refused(NAME, "no bill code")
        return Booking(str(data["ORDER_NUMBER"]), int(data.get("MONEY_TOTAL") or 0),
                       eta=str(data.get("KPI_HT") or "") or None)

    def label(self, carrier_codes: list[str]) -> Label:
        link = self._api("POST", "v2/order/encryptLinkPrint", json={
            "TYPE": 1, "ORDER_ARRAY": carrier_codes, "EXPIRY_TIME": int((time.time() + 3600) * 1000),
            "PRINT_TOKEN": self.print_token or ""})
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise refused(NAME, "no print link")
        response = call(NAME, "GET", link, timeout=self.timeout, raw=True)
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise refused(NAME, "the print link gave no PDF")
        return Label("application/pdf", data=response.content)

    def cancel(self, carrier_code: str) -> None:
        self._api("POST", "v2/order/UpdateOrder", json={"TYPE": 4, "ORDER_NUMBER": carrier_code,
                                                        "NOTE": "Người bán hủy đơn"})

    def track(self, carrier_code: str) -> TrackEvent:
        raise refused(NAME, str(_l("Viettel Post sends its updates to our webhook; it has no tracking call.")))

    def parse_webhook(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> list[TrackEvent]:
        try:
            payload = json.loads(body)
            token, data = str(payload.get("TOKEN") or ""), payload["DATA"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InvalidInput(_l("This delivery update could not be read."), code="bad_payload") from None
        if not self.webhook_token or not hmac.compare_digest(token.encode(), self.webhook_token.encode()):
            raise InvalidInput(_l("This delivery update is not signed."), code="bad_token")
        try:
            code, status = str(data["ORDER_NUMBER"]), to_int(data.get("ORDER_STATUS"))
        except (KeyError, TypeError):
            raise InvalidInput(_l("This delivery update could not be read."), code="bad_payload") from None
        at = str(data.get("ORDER_STATUSDATE") or "")
        return [TrackEvent(code, state_of(status), str(status), to_time(at, STATUS_TIME), f"{code}:{status}:{at}",
                           note=str(data.get("STATUS_NAME") or data.get("NOTE") or "")[:300],
                           cod_amount=to_int(data.get("MONEY_COLLECTION")), fee=to_int(data.get("MONEY_TOTAL")),
                           raw=data)]


@lru_cache(maxsize=4096)
def _area_ids(base: str, token: str, timeout: float, old: OldArea) -> tuple[int, int, int]:
    vtp = ViettelPost(token, base, None, None, timeout=timeout)
    province, district, ward = walk(NAME, old, [
        (lambda _: vtp._api("GET", "v2/categories/listProvinceById", params={"provinceId": -1}), "PROVINCE_NAME"),
        (lambda p: vtp._api("GET", "v2/categories/listDistrict", params={"provinceId": p["PROVINCE_ID"]}),
         "DISTRICT_NAME"),
        (lambda d: vtp._api("GET", "v2/categories/listWards", params={"districtId": d["DISTRICT_ID"]}), "WARDS_NAME")],
        ward_required=False)  # Viettel Post accepts an order without a ward (0)
    return int(province["PROVINCE_ID"]), int(district["DISTRICT_ID"]), int(ward["WARDS_ID"]) if ward else 0
