"""Zalo double: the OA OAuth v4 token refresh and the ZNS template send, as Zalo documents them."""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from . import HttpDouble, Recorded, Reply


@dataclass
class ZaloDouble(HttpDouble):
    app_id: str = "4291763606161179100"
    app_secret: str = "zalo-app-secret"
    refresh_token: str = "first-refresh-token"  # single use: every refresh hands out a new one
    templates: set = field(default_factory=lambda: {"227001", "227002", "227003", "227004", "227005", "227006",
                                                    "227007", "227008"})
    without_zalo: set = field(default_factory=set)  # phones (84...) that have no Zalo account
    access_tokens: set = field(default_factory=set)
    delivered: list = field(default_factory=list)  # (tracking_id, phone, template_id, template_data)

    def expire_tokens(self) -> None:
        self.access_tokens.clear()

    def handle(self, request: Recorded) -> Reply:
        if request.path == "/v4/oa/access_token" and request.method == "POST":
            form = request.form()
            if request.header("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
                return Reply.of({"error": -14002, "error_name": "Invalid app secret"})
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
                return Reply.of({"error": -14014, "error_name": "Invalid refresh token",
                                 "error_description": "Refresh token is invalid or was used"})
            access = secrets.token_urlsafe(24)
            self.access_tokens.add(access)
            self.refresh_token = secrets.token_urlsafe(24)
            return Reply.of({"access_token": access, "refresh_token": self.refresh_token, "expires_in": "90000"})
        if request.path == "/message/template" and request.method == "POST":
            if request.header("access_token") not in self.access_tokens:
                return Reply.of({"error": -124, "message": "Access token is invalid"})
            body = request.json()
            phone, template_id = body.get("phone"), body.get("template_id")
            if not (isinstance(phone, str) and phone.startswith("84") and phone.isdigit()):
                return Reply.of({"error": -108, "message": "Phone number is invalid"})
            if template_id not in self.templates or not isinstance(body.get("template_data"), dict):
                return Reply.of({"error": -1123, "message": "Template is not approved"})
            if phone in self.without_zalo:
                return Reply.of({"error": -118, "message": "Zalo account does not exist or is disabled"})
            self.delivered.append((body.get("tracking_id"), phone, template_id, body["template_data"]))
            return Reply.of({"error": 0, "message": "Success", "data": {
                "msg_id": secrets.token_hex(16), "sent_time": str(int(time.time() * 1000)),
                "quota": {"dailyQuota": "500", "remainingQuota": str(500 - len(self.delivered))}}})
        return Reply.of({"error": -100, "message": "Unknown API"}, 404)
