"""GHN (Giao Hàng Nhanh), Shiip public API: headers `Token` and `ShopId`, answers {"code": 200, "data": ...}.

Paths under {GHN_API_BASE}/shiip/public-api: master-data/province|district|ward (GHN's own ids, matched by the
pre-reform names of areas.py), v2/shipping-order/fee|create|detail, v2/switch-status/cancel, v2/a5/gen-token
(the label is GHN's print page {GHN_API_BASE}/a5/public-api/printA5?token=..., HTML, for one or many orders).
Webhook: GHN posts JSON (OrderCode, Status, Time, ShopID, CODAmount, TotalFee, ...) to the callback URL set in
its dashboard; GHN signs nothing, so that URL carries our secret (?token=GHN_WEBHOOK_TOKEN).
"""
from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l

from ....errors import InvalidInput
from ..areas import OldArea, old_area, walk
from . import Booking, Carrier, Label, Parcel, Quote, TrackEvent, refused
from ._http import call
from ._http import to_int as _int
from ._http import to_time as _time

NAME = "GHN"
STATES = {
    "ready_to_pick": "booked", "picking": "booked", "money_collect_picking": "booked", "picked": "picked",
    "storing": "in_transit", "transporting": "in_transit", "sorting": "in_transit", "delivering": "in_transit",
    "money_collect_delivering": "in_transit", "delivery_fail": "in_transit", "delivered": "delivered",
    "waiting_to_return": "returning", "return": "returning", "return_transporting": "returning",
    "return_sorting": "returning", "returning": "returning", "return_fail": "returning", "returned": "returned",
    "cancel": "cancelled", "exception": "failed", "damage": "failed", "lost": "failed",
}


class Ghn(Carrier):
    code = "ghn"
    settings = ("GHN_TOKEN", "GHN_WEBHOOK_TOKEN")

    def __init__(self, token: str | None, api_base: str, webhook_token: str | None, timeout: float = 10):
        self.token, self.base, self.webhook_token, self.timeout = token, api_base.rstrip("/"), webhook_token, timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Ghn:
        return cls(config.get("GHN_TOKEN"), config.get("GHN_API_BASE") or "https://online-gateway.ghn.vn",
                   config.get("GHN_WEBHOOK_TOKEN"), float(config.get("SHIPPING_QUOTE_TIMEOUT") or 10))

    def configured(self) -> bool:
        return bool(self.token)

    def _api(self, method: str, path: str, shop_id: str | None = None, **kwargs: Any) -> Any:
        headers = {"Token": self.token or "", "Content-Type": "application/json"}
        if shop_id:
            headers["ShopId"] = str(shop_id)
        answer = call(NAME, method, f"{self.base}/shiip/public-api/{path}", timeout=self.timeout, headers=headers,
                      **kwargs)
        if not isinstance(answer, dict) or answer.get("code") != 200:
            message = answer.get("message") if isinstance(answer, dict) else ""
            raise refused(NAME, str(message or "error"))
        return answer.get("data")

    # --- areas: GHN's district id and ward code for a commune (through its pre-reform names) --------------

    def area(self, commune_code: int | None) -> tuple[int, str]:
        return _area(self, commune_code)

    def _fee_body(self, parcel: Parcel) -> dict[str, Any]:
        from_district, from_ward = self.area(parcel.sender.commune_code)
        to_district, to_ward = self.area(parcel.receiver.commune_code)
        return {"service_type_id": 2, "from_district_id": from_district, "from_ward_code": from_ward,
                "to_district_id": to_district, "to_ward_code": to_ward, "weight": parcel.weight_grams,
                "length": 20, "width": 20, "height": 10, "insurance_value": min(parcel.value, 5_000_000),
                "cod_value": parcel.cod_amount}

    def quote(self, parcel: Parcel) -> Quote:
        data = self._api("POST", "v2/shipping-order/fee", parcel.shop_id, json=self._fee_body(parcel)) or {}
        return Quote("ghn", int(data.get("total") or 0), service="2")

    def create_shipment(self, parcel: Parcel, client_code: str) -> Booking:
        body = self._fee_body(parcel)
        body.update(payment_type_id=2, required_note="CHOXEMHANGKHONGTHU", client_order_code=client_code,
                    to_name=parcel.receiver.name, to_phone=parcel.receiver.local_phone,
                    to_address=parcel.receiver.street, from_name=parcel.sender.name,
                    from_phone=parcel.sender.local_phone, from_address=parcel.sender.street,
                    cod_amount=parcel.cod_amount, note=parcel.note[:500], content=parcel.note[:2000],
                    items=[{"name": name[:200], "quantity": qty, "price": price, "weight": max(1, parcel.weight_grams
                                                                                               // max(1, qty))}
                           for name, qty, price in parcel.items])
        data = self._api("POST", "v2/shipping-order/create", parcel.shop_id, json=body) or {}
        if not data.get("order_code"):
            raise refused(NAME, "no order code")
        return Booking(str(data["order_code"]), int(data.get("total_fee") or 0), sort_code=data.get("sort_code"),
                       eta=str(data.get("expected_delivery_time") or "") or None)

    def label(self, carrier_codes: list[str]) -> Label:
        data = self._api("POST", "v2/a5/gen-token", json={"order_codes": carrier_codes}) or {}
        if not data.get("token"):
            raise refused(NAME, "no print token")
        return Label("text/html", url=f"{self.base}/a5/public-api/printA5?{urlencode({'token': data['token']})}")

    def cancel(self, carrier_code: str) -> None:
        data = self._api("POST", "v2/switch-status/cancel", json={"order_codes": [carrier_code]}) or []
        if not any(row.get("order_code") == carrier_code and row.get("result") for row in data):
            raise refused(NAME, str(data[0].get("message") if data else "not cancelled"))

    def track(self, carrier_code: str) -> TrackEvent:
        data = self._api("POST", "v2/shipping-order/detail", json={"order_code": carrier_code}) or {}
        status = str(data.get("status") or "")
        at = str(data.get("updated_date") or "")
        return TrackEvent(carrier_code, STATES.get(status), status, _time(at), f"{carrier_code}:{status}:{at}",
                          cod_amount=data.get("cod_amount"), raw=data)

    def parse_webhook(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> list[TrackEvent]:
        token = query.get("token") or ""
        if not self.webhook_token or not hmac.compare_digest(token.encode(), self.webhook_token.encode()):
            raise InvalidInput(_l("This delivery update is not signed."), code="bad_token")
        try:
            data = json.loads(body)
            code, status = str(data["OrderCode"]), str(data["Status"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(_l("This delivery update could not be read."), code="bad_payload") from None
        at = str(data.get("Time") or "")
        return [TrackEvent(code, STATES.get(status), status, _time(at), f"{code}:{status}:{at}",
                           note=str(data.get("Reason") or data.get("Description") or "")[:300],
                           cod_amount=_int(data.get("CODAmount")), fee=_int(data.get("TotalFee")), raw=data)]



def _area(ghn: Ghn, commune_code: int | None) -> tuple[int, str]:
    old = old_area(commune_code)
    if old is None:
        raise refused(NAME, "no pre-reform district for this commune")
    return _area_ids(ghn.base, ghn.token, ghn.timeout, old)


@lru_cache(maxsize=4096)
def _area_ids(base: str, token: str, timeout: float, old: OldArea) -> tuple[int, str]:
    """GHN's ids for one pre-reform ward; GHN's lists rarely change, so a process asks once per ward."""
    ghn = Ghn(token, base, None, timeout)
    _, district, ward = walk(NAME, old, [
        (lambda _: ghn._api("GET", "master-data/province"), "ProvinceName"),
        (lambda p: ghn._api("GET", "master-data/district", params={"province_id": p["ProvinceID"]}), "DistrictName"),
        (lambda d: ghn._api("GET", "master-data/ward", params={"district_id": d["DistrictID"]}), "WardName")])
    return int(district["DistrictID"]), str(ward["WardCode"])
