"""SMS through eSMS.vn's brand-name API (customer-care messages, SmsType 2).

POST {ESMS_API_BASE}/MainService.svc/json/SendMultipleMessage_V4_post_json/ with JSON
{"ApiKey", "SecretKey", "Phone", "Content", "Brandname", "SmsType": "2", "IsUnicode": "0", "Sandbox", "RequestId"}
→ {"CodeResult": "100", "SMSID": "..."}; "124" ("Request exist") answers a RequestId eSMS has already taken,
which is what makes a resend after a crash safe: the outbox id is the RequestId.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import TIMEOUT_SECONDS, Channel, Outgoing, Recipient, Result, post_json

PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
ACCEPTED = {"100"}
ALREADY_TAKEN = {"124"}
RETRY_LATER = {"99"}  # "Lỗi không xác định": eSMS's own trouble


def local_phone(e164: str | None) -> str | None:
    return "0" + e164[3:] if e164 and e164.startswith("+84") else None


class EsmsSms(Channel):
    name = "sms"
    provider = "esms"
    settings = ("ESMS_API_KEY", "ESMS_SECRET_KEY", "ESMS_BRANDNAME")

    def __init__(self, api_key: str | None, secret_key: str | None, brandname: str | None, *, api_base: str,
                 sandbox: bool = False, cost: int = 0, timeout: float = TIMEOUT_SECONDS):
        self.api_key, self.secret_key, self.brandname = api_key, secret_key, brandname
        self.api_base, self.sandbox, self.cost, self.timeout = api_base.rstrip("/"), sandbox, cost, timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EsmsSms:
        return cls(config.get("ESMS_API_KEY"), config.get("ESMS_SECRET_KEY"), config.get("ESMS_BRANDNAME"),
                   api_base=config.get("ESMS_API_BASE") or "https://rest.esms.vn",
                   sandbox=bool(config.get("ESMS_SANDBOX")), cost=int(config.get("NOTIFY_COST_SMS") or 0))

    def configured(self) -> bool:
        return bool(self.api_key and self.secret_key and self.brandname)

    def reaches(self, recipient: Recipient) -> bool:
        return local_phone(recipient.phone) is not None

    def send(self, outgoing: Outgoing, recipient: Recipient) -> Result:
        body = {"ApiKey": self.api_key, "SecretKey": self.secret_key, "Phone": local_phone(recipient.phone),
                "Content": outgoing.rendered.sms, "Brandname": self.brandname, "SmsType": "2", "IsUnicode": "0",
                "Sandbox": "1" if self.sandbox else "0", "RequestId": outgoing.tracking_id}
        answer = post_json("eSMS", self.api_base + PATH, body, timeout=self.timeout)
        if isinstance(answer, Result):
            return answer
        code = str(answer.get("CodeResult"))
        if code in ACCEPTED:
            return Result("sent", provider_message_id=answer.get("SMSID"), cost=self.cost)
        if code in ALREADY_TAKEN:
            return Result("sent", provider_message_id=answer.get("SMSID"), cost=self.cost,
                          error="eSMS already had this RequestId: not sent twice")
        if code in RETRY_LATER:
            return Result("error", error=f"eSMS {code}: {str(answer.get('ErrorMessage'))[:200]}")
        # Credentials, balance, brand name, template: not this buyer's problem, and not one a retry fixes soon.
        return Result("refused", error=f"eSMS {code}: {str(answer.get('ErrorMessage'))[:200]}")

    def after_crash(self, outgoing: Outgoing, recipient: Recipient) -> Result | None:
        return self.send(outgoing, recipient)  # the same RequestId: eSMS answers 124 if it took the first one
