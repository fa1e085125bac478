"""A push service double: checks the VAPID JWT (ES256, signed by the key in `k`, audience = its own origin, not
expired, at most 24 h ahead, a subject), the Web Push headers (TTL, Content-Encoding: aes128gcm, Topic), and
decrypts the payload with the subscription's own keys (RFC 8291) to record what the browser would show."""
from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import dataclass, field

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from . import HttpDouble, Recorded, Reply


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_keys() -> tuple[str, str]:
    """(private key as base64url raw, public key as base64url uncompressed point), as deploy docs make them."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)


@dataclass
class PushDouble(HttpDouble):
    browsers: dict = field(default_factory=dict)  # id → (private key, auth secret)
    gone: set = field(default_factory=set)  # ids the browser unsubscribed
    shown: list = field(default_factory=list)  # (id, payload dict, topic)
    refusals: list = field(default_factory=list)

    def subscription(self) -> dict:
        """A new browser's PushSubscription.toJSON()."""
        browser = secrets.token_hex(8)
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.browsers[browser] = (key, auth)
        public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.url}/push/{browser}", "keys": {"p256dh": b64url(public), "auth": b64url(auth)}}

    def _refuse(self, why: str) -> Reply:
        self.refusals.append(why)
        return Reply.of({"reason": why}, 401 if "vapid" in why else 400)

    def _check_vapid(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("vapid "):
            return "vapid: no Authorization: vapid header"
        parts = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
        token, key = parts.get("t", ""), parts.get("k", "")
        try:
            head, claims, signature = token.split(".")
            header = json.loads(unb64url(head))
            payload = json.loads(unb64url(claims))
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            raw = unb64url(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            public.verify(der, f"{head}.{claims}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
        except (ValueError, KeyError, InvalidSignature):
            return "vapid: bad JWT or signature"
        if header.get("alg") != "ES256":
            return "vapid: alg is not ES256"
        if payload.get("aud") != self.url:
            return "vapid: wrong audience"
        if not time.time() < int(payload.get("exp", 0)) <= time.time() + 24 * 3600:
            return "vapid: expired or more than 24 h ahead"
        if not str(payload.get("sub", "")).startswith(("mailto:", "https:")):
            return "vapid: no subject"
        return None

    def handle(self, request: Recorded) -> Reply:
        browser = request.path.rsplit("/", 1)[-1]
        if not request.path.startswith("/push/") or browser not in self.browsers:
            return Reply(404)
        if browser in self.gone:
            return Reply(410)
        problem = self._check_vapid(request.header("Authorization"))
        if problem:
            return self._refuse(problem)
        if request.header("Content-Encoding") != "aes128gcm" or request.header("TTL") is None:
            return self._refuse("headers: Content-Encoding aes128gcm and TTL are required")
        key, auth = self.browsers[browser]
        try:
            plain = http_ece.decrypt(request.body, private_key=key, auth_secret=auth, version="aes128gcm")
            payload = json.loads(plain)
        except Exception:  # anything that does not decrypt is a bad request
            return self._refuse("payload: does not decrypt with the subscription's keys")
        self.shown.append((browser, payload, request.header("Topic")))
        return Reply(201)
