"""eSMS.vn double: SendMultipleMessage_V4_post_json (brand-name customer-care SMS), RequestId deduplicated."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from . import HttpDouble, Recorded, Reply

PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"


@dataclass
class EsmsDouble(HttpDouble):
    api_key: str = "esms-key"
    secret_key: str = "esms-secret"
    brandname: str = "CHOLIVE"
    delivered: list = field(default_factory=list)  # (RequestId, Phone, Content)
    seen: dict = field(default_factory=dict)  # RequestId → SMSID

    def handle(self, request: Recorded) -> Reply:
        if request.path != PATH or request.method != "POST":
            return Reply.of({"error": "Invalid request"}, 404)
        body = request.json()
        if body.get("ApiKey") != self.api_key or body.get("SecretKey") != self.secret_key:
            return Reply.of({"CodeResult": "101", "CountRegenerate": 0, "ErrorMessage": "Authorize Failed"})
        if body.get("Brandname") != self.brandname:
            return Reply.of({"CodeResult": "104", "CountRegenerate": 0, "ErrorMessage": "Brand name code is not exist"})
        if body.get("SmsType") != "2" or not body.get("Content") or not str(body.get("Phone", "")).startswith("0"):
            return Reply.of({"CodeResult": "118", "CountRegenerate": 0, "ErrorMessage": "Loại tin nhắn không hợp lệ"})
        request_id = body.get("RequestId")
        if request_id and request_id in self.seen:
            return Reply.of({"CodeResult": "124", "CountRegenerate": 0, "ErrorMessage": "Request exist 1",
                             "SendStatus": "5"})
        sms_id = secrets.token_hex(16)
        if request_id:
            self.seen[request_id] = sms_id
        self.delivered.append((request_id, body["Phone"], body["Content"]))
        return Reply.of({"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id})
