"""Zalo Notification Service (ZNS): approved OA templates sent to a phone number, over Zalo's HTTP API.

Send:    POST {ZALO_ZNS_API_BASE}/message/template, header `access_token`, JSON
         {"phone": "849...", "template_id": "...", "template_data": {...}, "tracking_id": "..."}
         → {"error": 0, "message": "Success", "data": {"msg_id": "...", "sent_time": "...", "quota": {...}}}
Token:   POST {ZALO_OAUTH_API_BASE}/v4/oa/access_token, header `secret_key` (the app secret), form
         app_id, grant_type=refresh_token, refresh_token → {"access_token", "refresh_token", "expires_in"}.
         The refresh token is single-use: every refresh returns a new one, kept in notify_provider_tokens and
         committed at once, before anything else can fail.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import requests

from ...core.dbtypes import utcnow
from ...extensions import db
from ..models import ProviderToken
from . import TIMEOUT_SECONDS, Channel, Outgoing, Recipient, Result, post_json, zalo_phone

log = logging.getLogger(__name__)

PROVIDER = "zalo_zns"
TOKEN_ERRORS = {-124, -216}  # "access token is invalid" (ZNS and OA tables)


class ZaloZns(Channel):
    name = "zalo"
    provider = PROVIDER
    settings = ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_REFRESH_TOKEN", "ZALO_ZNS_TEMPLATES")

    def __init__(self, app_id: str | None, app_secret: str | None, refresh_token: str | None, *, oauth_base: str,
                 api_base: str, templates: dict[str, str], development: bool = False, cost: int = 0,
                 timeout: float = TIMEOUT_SECONDS):
        self.app_id, self.app_secret, self.first_refresh_token = app_id, app_secret, refresh_token
        self.oauth_base, self.api_base = oauth_base.rstrip("/"), api_base.rstrip("/")
        self.templates, self.development, self.cost, self.timeout = templates, development, cost, timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ZaloZns:
        try:
            templates = json.loads(config.get("ZALO_ZNS_TEMPLATES") or "{}")
        except ValueError:
            log.error("ZALO_ZNS_TEMPLATES is not JSON; Zalo ZNS stays off")
            templates = {}
        return cls(config.get("ZALO_APP_ID"), config.get("ZALO_APP_SECRET"), config.get("ZALO_REFRESH_TOKEN"),
                   oauth_base=config.get("ZALO_OAUTH_API_BASE") or "https://oauth.zaloapp.com",
                   api_base=config.get("ZALO_ZNS_API_BASE") or "https://business.openapi.zalo.me",
                   templates={str(k): str(v) for k, v in templates.items()} if isinstance(templates, dict) else {},
                   development=bool(config.get("ZALO_ZNS_DEVELOPMENT")), cost=int(config.get("NOTIFY_COST_ZALO") or 0))

    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret and self.first_refresh_token and self.templates)

    def reaches(self, recipient: Recipient) -> bool:
        return zalo_phone(recipient.phone) is not None

    # --- tokens ---------------------------------------------------------------------------------------------

    def _stored(self) -> ProviderToken:
        row = db.session.get(ProviderToken, PROVIDER)
        if row is None:
            row = ProviderToken(provider=PROVIDER, refresh_token=self.first_refresh_token)
            db.session.add(row)
        return row

    def access_token(self, *, renew: bool = False) -> str | None:
        row = self._stored()
        if not renew and row.access_token and row.expires_at and row.expires_at > utcnow() + timedelta(minutes=5):
            return row.access_token
        try:
            response = requests.post(f"{self.oauth_base}/v4/oa/access_token", headers={"secret_key": self.app_secret},
                                     data={"app_id": self.app_id, "grant_type": "refresh_token",
                                           "refresh_token": row.refresh_token or ""}, timeout=self.timeout)
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("zalo token refresh failed: %s", exc)
            return None
        if not isinstance(answer, dict) or not answer.get("access_token"):
            log.error("zalo token refresh refused: %s", str(answer)[:200])
            return None
        row.access_token = answer["access_token"]
        row.refresh_token = answer.get("refresh_token") or row.refresh_token
        row.expires_at = utcnow() + timedelta(seconds=int(answer.get("expires_in") or 3600))
        row.updated_at = utcnow()
        db.session.commit()  # the old refresh token is spent: losing the new one would lock the OA out
        return row.access_token

    # --- sending --------------------------------------------------------------------------------------------

    def send(self, outgoing: Outgoing, recipient: Recipient) -> Result:
        template_id = self.templates.get(outgoing.template)
        if not template_id:
            return Result("refused", error=f"no approved ZNS template for {outgoing.template}")
        body: dict[str, Any] = {"phone": zalo_phone(recipient.phone), "template_id": template_id,
                                "template_data": outgoing.rendered.zns, "tracking_id": outgoing.tracking_id}
        if self.development:
            body["mode"] = "development"
        for renew in (False, True):
            token = self.access_token(renew=renew)
            if token is None:
                return Result("error", error="no Zalo access token (refresh failed)")
            answer = post_json("Zalo", f"{self.api_base}/message/template", body, timeout=self.timeout,
                               headers={"access_token": token})
            if isinstance(answer, Result):
                return answer
            try:
                code = int(answer.get("error"))
            except (ValueError, TypeError):
                return Result("error", error="Zalo answered without an error code")
            if code == 0:
                data = answer.get("data") or {}
                return Result("sent", provider_message_id=str(data.get("msg_id") or "") or None, cost=self.cost)
            if code not in TOKEN_ERRORS:
                # The recipient has no Zalo, refused ZNS, the template or quota was refused: the next channel now.
                return Result("refused", error=f"Zalo error {code}: {str(answer.get('message'))[:200]}")
        return Result("error", error="Zalo refused the access token after a refresh")
