"""GHTK (Giao Hàng Tiết Kiệm): header `Token`, addresses by name (pre-reform province, district, ward).

{GHTK_API_BASE}/services/shipment/fee (GET) → {"success": true, "fee": {"fee": ...}};
/services/shipment/order/?ver=1.5 (POST {"products": [...], "order": {...}}) → {"success": true, "order":
{"label": ..., "fee": ...}}, and for an order id GHTK already has, error ORDER_ID_EXIST with its label (a retried
booking finds the first one); /services/label/{label} → the label as PDF; /services/shipment/cancel/{label};
/services/shipment/v2/{label} → {"order": {"status": ...}}.
Webhook: GHTK posts label_id, partner_id, status_id, action_time, reason, pick_money, fee to the callback URL
registered with GHTK, which carries our secret (?hash=GHTK_WEBHOOK_HASH).
"""
from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote

from flask_babel import lazy_gettext as _l

from ....errors import InvalidInput
from ..areas import old_area
from . import Booking, Carrier, Label, Parcel, Quote, TrackEvent, refused
from ._http import call, merge_pdfs
from ._http import to_int as _int
from ._http import to_time as _time

NAME = "GHTK"
STATES = {
    "-1": "cancelled", "1": "booked", "2": "booked", "12": "booked", "8": "booked", "7": "failed", "127": "booked",
    "128": "booked", "3": "picked", "123": "picked", "4": "in_transit", "10": "in_transit", "9": "in_transit",
    "410": "in_transit", "49": "in_transit", "45": "in_transit", "5": "delivered", "6": "delivered",
    "20": "returning", "21": "returned", "11": "returned", "13": "failed",
}


class Ghtk(Carrier):
    code = "ghtk"
    settings = ("GHTK_TOKEN", "GHTK_WEBHOOK_HASH")

    def __init__(self, token: str | None, api_base: str, webhook_hash: str | None, timeout: float = 10):
        self.token, self.base, self.webhook_hash, self.timeout = token, api_base.rstrip("/"), webhook_hash, timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Ghtk:
        return cls(config.get("GHTK_TOKEN"), config.get("GHTK_API_BASE") or "https://services.giaohangtietkiem.vn",
                   config.get("GHTK_WEBHOOK_HASH"), float(config.get("SHIPPING_QUOTE_TIMEOUT") or 10))

    def configured(self) -> bool:
        return bool(self.token)

    def _headers(self) -> dict[str, str]:
        return {"Token": self.token or ""}

    def _checked(self, answer: Any) -> dict[str, Any]:
        if not isinstance(answer, dict) or not answer.get("success"):
            raise refused(NAME, str(answer.get("message") if isinstance(answer, dict) else "error"))
        return answer

    @staticmethod
    def _names(commune_code: int | None) -> dict[str, str]:
        old = old_area(commune_code)
        if old is None:
            raise refused(NAME, "no pre-reform district for this commune")
        return {"province": old.province, "district": old.district, "ward": old.ward}

    def quote(self, parcel: Parcel) -> Quote:
        pick, to = self._names(parcel.sender.commune_code), self._names(parcel.receiver.commune_code)
        params = {"pick_province": pick["province"], "pick_district": pick["district"], "pick_ward": pick["ward"],
                  "province": to["province"], "district": to["district"], "ward": to["ward"],
                  "address": parcel.receiver.street, "weight": parcel.weight_grams, "value": parcel.value,
                  "transport": "road", "deliver_option": "none"}
        answer = self._checked(call(NAME, "GET", f"{self.base}/services/shipment/fee", timeout=self.timeout,
                                    headers=self._headers(), params=params))
        fee = answer.get("fee") or {}
        return Quote("ghtk", int(fee.get("fee") or 0) + int(fee.get("insurance_fee") or 0), service="road")

    def create_shipment(self, parcel: Parcel, client_code: str) -> Booking:
        pick, to = self._names(parcel.sender.commune_code), self._names(parcel.receiver.commune_code)
        order = {"id": client_code, "pick_name": parcel.sender.name, "pick_address": parcel.sender.street,
                 "pick_province": pick["province"], "pick_district": pick["district"], "pick_ward": pick["ward"],
                 "pick_tel": parcel.sender.local_phone, "name": parcel.receiver.name,
                 "address": parcel.receiver.street, "province": to["province"], "district": to["district"],
                 "ward": to["ward"], "hamlet": "Khác", "tel": parcel.receiver.local_phone, "note": parcel.note[:120],
                 "pick_money": parcel.cod_amount, "is_freeship": "1", "value": parcel.value, "transport": "road",
                 "pick_option": "cod"}
        products = [{"name": name[:200], "quantity": qty, "price": price,
                     "weight": round(parcel.weight_grams / 1000 / max(1, len(parcel.items)), 3)}
                    for name, qty, price in parcel.items]
        answer = call(NAME, "POST", f"{self.base}/services/shipment/order/?ver=1.5", timeout=self.timeout,
                      headers=self._headers(), json={"products": products, "order": order})
        if isinstance(answer, dict) and not answer.get("success"):
            error = answer.get("error") or {}
            if error.get("code") == "ORDER_ID_EXIST" and error.get("ghtk_label"):
                return Booking(str(error["ghtk_label"]), 0)  # booked by an earlier try of ours
        data = self._checked(answer).get("order") or {}
        if not data.get("label"):
            raise refused(NAME, "no label")
        return Booking(str(data["label"]), int(data.get("fee") or 0) + int(data.get("insurance_fee") or 0),
                       eta=str(data.get("estimated_deliver_time") or "") or None)

    def label(self, carrier_codes: list[str]) -> Label:
        documents = []
        for code in carrier_codes:
            response = call(NAME, "GET", f"{self.base}/services/label/{quote(code, safe='')}", timeout=self.timeout,
                            raw=True, headers=self._headers(), params={"original": "portrait", "page_size": "A6"})
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                raise refused(NAME, f"no label for {code}")
            documents.append(response.content)
        return Label("application/pdf", data=documents[0] if len(documents) == 1 else merge_pdfs(documents))

    def cancel(self, carrier_code: str) -> None:
        self._checked(call(NAME, "POST", f"{self.base}/services/shipment/cancel/{quote(carrier_code, safe='')}",
                           timeout=self.timeout, headers=self._headers()))

    def track(self, carrier_code: str) -> TrackEvent:
        answer = self._checked(call(NAME, "GET", f"{self.base}/services/shipment/v2/{quote(carrier_code, safe='')}",
                                    timeout=self.timeout, headers=self._headers()))
        order = answer.get("order") or {}
        status, at = str(order.get("status") or ""), str(order.get("modified") or "")
        return TrackEvent(carrier_code, STATES.get(status), status, _time(at), f"{carrier_code}:{status}:{at}",
                          cod_amount=_int(order.get("pick_money")), fee=_int(order.get("ship_money")), raw=order)

    def parse_webhook(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> list[TrackEvent]:
        given = query.get("hash") or ""
        if not self.webhook_hash or not hmac.compare_digest(given.encode(), self.webhook_hash.encode()):
            raise InvalidInput(_l("This delivery update is not signed."), code="bad_token")
        try:
            text = body.decode("utf-8")
            data = json.loads(text) if text.lstrip().startswith("{") else dict(parse_qsl(text))
            code, status = str(data["label_id"]), str(data["status_id"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise InvalidInput(_l("This delivery update could not be read."), code="bad_payload") from None
        at = str(data.get("action_time") or "")
        return [TrackEvent(code, STATES.get(status), status, _time(at), f"{code}:{status}:{at}",
                           note=str(data.get("reason") or "")[:300], cod_amount=_int(data.get("pick_money")),
                           fee=_int(data.get("fee")), raw=data)]
