"""Configuration classes read from environment variables."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _database_url(default: str) -> str:
    """Return DATABASE_URL with the psycopg 3 driver chosen for PostgreSQL URLs."""
    url = os.environ.get("DATABASE_URL") or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Development defaults: SQLite under instance/, local storage, nothing reaching the network."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR") or BASE_DIR / "instance")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'cholive.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # PostgreSQL: $1-style placeholders sent as they are (core/dbnative.py); 0 goes back to psycopg's own parsing.
    DB_NATIVE_PLACEHOLDERS = _bool("DB_NATIVE_PLACEHOLDERS", True)
    # Pooled connections idle longer than this are pinged before use (core/dbping.py; None: never).
    DB_PING_AFTER_IDLE_SECONDS: float | None = float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS") or 1)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    PORT = int(os.environ.get("PORT") or 5000)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    FORCE_HTTPS = False
    WTF_CSRF_TIME_LIMIT = None

    # The version of the privacy notice when no dated compliance setting names one (docs/compliance.md).
    PRIVACY_POLICY_VERSION = os.environ.get("PRIVACY_POLICY_VERSION") or "2026-01-01"

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB") or 8) * 1024 * 1024
    # A lesson's video (and its low rendition) may be bigger: the lesson form takes up to this many megabytes.
    MAX_VIDEO_MB = int(os.environ.get("MAX_VIDEO_MB") or 200)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX") or "cholive"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP") or "20 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT") or "5 per minute"

    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND") or "local"
    STORAGE_LOCAL_DIR = Path(os.environ.get("STORAGE_LOCAL_DIR") or INSTANCE_DIR / "uploads")
    S3_BUCKET = os.environ.get("S3_BUCKET") or None
    S3_REGION = os.environ.get("S3_REGION") or "ap-southeast-1"
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_PUBLIC_URL = os.environ.get("S3_PUBLIC_URL") or None

    PASSWORD_HASH_METHOD = "scrypt"
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS") or 30)

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    BANK_WEBHOOK_API_KEY = os.environ.get("BANK_WEBHOOK_API_KEY") or None

    # Live sales: how long orders taken by comment stay held before they pass to the waitlist.
    LIVE_HOLD_HOURS = float(os.environ.get("LIVE_HOLD_HOURS") or 24)
    # ... and how many minutes before that the buyer is reminded once (on their live page, or a notification).
    LIVE_HOLD_REMIND_MINUTES = float(os.environ.get("LIVE_HOLD_REMIND_MINUTES") or 30)
    # Live review figures: a buyer's question counts as answered when the shop wrote in the chat within this time.
    TRAINING_ANSWER_WINDOW_SECONDS = int(os.environ.get("TRAINING_ANSWER_WINDOW_SECONDS") or 300)

    # Periodic jobs (app/core/jobs.py): on for `make run` and production, off in tests.
    JOBS_ENABLED = _bool("JOBS_ENABLED", True)
    ORDER_EXPIRY_EVERY_SECONDS = int(os.environ.get("ORDER_EXPIRY_EVERY_SECONDS") or 60)

    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "threading"
    SOCKETIO_CORS_ORIGINS = [o for o in (os.environ.get("SOCKETIO_CORS_ORIGINS") or "").split(",") if o] or None
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL") or None  # Redis pub/sub channel shared by one cluster
    # Live chat safety: comma-separated hidden words (matched folded, as whole words); unset = the built-in list.
    LIVE_HIDDEN_WORDS = os.environ.get("LIVE_HIDDEN_WORDS") or None
    # On: "Go live" (console, RTMP, API) is refused until the pre-live checklist passes (livestream/trust/checklist.py).
    LIVE_CHECKLIST_ENFORCED = os.environ.get("LIVE_CHECKLIST_ENFORCED", "").lower() in {"1", "true", "yes", "on"}
    # Categories whose products need a valid food-safety certificate before a live (the pre-live checklist); a product
    # showing an OCOP badge always needs its OCOP certificate. Comma-separated category codes (app/shop/models.py).
    LIVE_FOOD_SAFETY_CATEGORIES = tuple(c.strip() for c in (os.environ.get("LIVE_FOOD_SAFETY_CATEGORIES")
                                                            or "processed,tea").split(",") if c.strip())
    LIVE_STATS_INTERVAL = float(os.environ.get("LIVE_STATS_INTERVAL") or 2)  # console stats events, seconds
    # Group commit of live comments (livestream/batch.py): one writer per process takes up to LIVE_BATCH_MAX comments,
    # or what arrives within LIVE_BATCH_MS milliseconds of the first, decides them in one transaction and commits once.
    # On by default; LIVE_GROUP_COMMIT=0 takes the one-comment path (one unit of work per comment, docs/benchmarks.md).
    LIVE_GROUP_COMMIT = _bool("LIVE_GROUP_COMMIT", True)
    LIVE_BATCH_MAX = int(os.environ.get("LIVE_BATCH_MAX") or 200)
    LIVE_BATCH_MS = float(os.environ.get("LIVE_BATCH_MS") or 5)
    # The batch's fast lane (livestream/batch_fast.py): runs of plain comments decided in memory and written with one
    # statement per table; LIVE_BATCH_FAST=0 sends every comment through take_comment (the same acks and rows).
    LIVE_BATCH_FAST = _bool("LIVE_BATCH_FAST", True)
    # Coalesced chat (livestream/broadcast.py): clients that join with frames=true get one `frame` per live every
    # LIVE_FRAME_MS milliseconds, with at most LIVE_FRAME_CHAT plain chat lines (order and shop lines always).
    LIVE_FRAME_MS = float(os.environ.get("LIVE_FRAME_MS") or 200)
    LIVE_FRAME_CHAT = int(os.environ.get("LIVE_FRAME_CHAT") or 30)
    # A live's frames are paced so that one process sends its viewers at most about this many frames a second
    # (a room of 5,000 here: a frame every half second); 0 turns the pacing off.
    LIVE_FRAME_SENDS = float(os.environ.get("LIVE_FRAME_SENDS") or 10_000)
    LIVE_BATCH_WAIT_SECONDS = float(os.environ.get("LIVE_BATCH_WAIT_SECONDS") or 30)  # a comment's wait for its batch

    API_TITLE = "Chợ Live API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    TALISMAN_ENABLED = True

    # Anonymous catalog and product pages served from a cache (app/core/pagecache/): the longest a cached page
    # may lag behind a change another process made (same process or Redis: none); 0 turns the cache off.
    PAGE_CACHE_TTL = int(os.environ.get("PAGE_CACHE_TTL") or 30)
    PAGE_CACHE_ENTRIES = int(os.environ.get("PAGE_CACHE_ENTRIES") or 256)  # pages kept in-process without Redis
    # How long a cached page may go on showing stock counts after they changed (every order changes them): pages are
    # ended per product at once for everything else. 0 ends them at once for stock too (the whole cache in a sale).
    PAGE_CACHE_SOFT_SECONDS = float(os.environ.get("PAGE_CACHE_SOFT_SECONDS") or 2)

    # Web security (#12). TRUSTED_PROXIES: how many proxies in front set X-Forwarded-For/-Proto/-Host (nginx: 1);
    # 0 trusts none of these headers, so no client can choose the address the rate limits see.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES") or 0)
    SECRET_KEY_MIN_LENGTH = 32
    # Keys printed in this repository, its docs and its tests: a production server must never run with one.
    KNOWN_SECRET_KEYS = frozenset({"dev-only-not-secret", "testing-secret", "cluster-test-secret",
                                   "change-me-to-64-hex-characters", "change-me", "changeme", "secret"})

    # One buyer must not hold a seller's whole stock (#12): units of one product a buyer may have in open orders
    # (0: no cap; a product's own limit wins), checkouts per buyer (Flask-Limiter syntax), hours a seller has to
    # confirm a cash-on-delivery order before it is cancelled and its stock released (0: never).
    MAX_UNITS_PER_BUYER = int(os.environ.get("MAX_UNITS_PER_BUYER") or 50)
    CHECKOUT_LIMIT = os.environ.get("CHECKOUT_LIMIT") or "10 per minute;60 per hour"
    COD_CONFIRM_HOURS = float(os.environ.get("COD_CONFIRM_HOURS") or 48)
    # Checkout is rate limited: while Redis (the limiter's storage in a cluster) is down, count in each process's
    # memory instead of failing the checkout (the Redis-outage drill orders through it).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    # Notifications (#19, app/notify): each provider is off until its settings are set (docs/deploy.md).
    NOTIFY_SEND_EVERY_SECONDS = int(os.environ.get("NOTIFY_SEND_EVERY_SECONDS") or 15)
    NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS") or 4)  # per channel, then the next channel
    NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFY_RETRY_BASE_SECONDS") or 60)  # doubles each time
    NOTIFY_SENDING_LEASE_SECONDS = int(os.environ.get("NOTIFY_SENDING_LEASE_SECONDS") or 300)
    NOTIFY_COST_ZALO = int(os.environ.get("NOTIFY_COST_ZALO") or 200)  # VND per ZNS message, as the OA is billed
    NOTIFY_COST_SMS = int(os.environ.get("NOTIFY_COST_SMS") or 800)  # VND per brand-name SMS
    ZALO_APP_ID = os.environ.get("ZALO_APP_ID") or None
    ZALO_APP_SECRET = os.environ.get("ZALO_APP_SECRET") or None  # the `secret_key` header of the token refresh
    ZALO_REFRESH_TOKEN = os.environ.get("ZALO_REFRESH_TOKEN") or None  # the first one; rotated ones are stored
    ZALO_OAUTH_API_BASE = os.environ.get("ZALO_OAUTH_API_BASE") or "https://oauth.zaloapp.com"
    ZALO_ZNS_API_BASE = os.environ.get("ZALO_ZNS_API_BASE") or "https://business.openapi.zalo.me"
    ZALO_ZNS_TEMPLATES = os.environ.get("ZALO_ZNS_TEMPLATES") or None  # JSON: {"order_placed": "<template id>"}
    ZALO_ZNS_DEVELOPMENT = _bool("ZALO_ZNS_DEVELOPMENT", False)  # "mode": "development" (to the OA's testers)
    ESMS_API_KEY = os.environ.get("ESMS_API_KEY") or None
    ESMS_SECRET_KEY = os.environ.get("ESMS_SECRET_KEY") or None
    ESMS_BRANDNAME = os.environ.get("ESMS_BRANDNAME") or None
    ESMS_API_BASE = os.environ.get("ESMS_API_BASE") or "https://rest.esms.vn"
    ESMS_SANDBOX = _bool("ESMS_SANDBOX", False)
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY") or None  # base64url raw key or PEM
    VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY") or None  # base64url, the browser's applicationServerKey
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT") or None  # mailto:ops@example.vn
    # Push services a browser subscription may point at (its endpoint's origin): never an address of our network.
    WEB_PUSH_ALLOWED_ORIGINS = os.environ.get("WEB_PUSH_ALLOWED_ORIGINS") or (
        "https://fcm.googleapis.com,https://updates.push.services.mozilla.com,https://web.push.apple.com,"
        "https://*.notify.windows.com")

    # Carriers (#19, app/shop/shipping): SHIPPING_CARRIERS lists the ones the platform has accounts with; each
    # organisation picks among them. Off (empty) by default: the flat fee rule applies.
    SHIPPING_CARRIERS = os.environ.get("SHIPPING_CARRIERS") or ""
    SHIPPING_QUOTE_TIMEOUT = float(os.environ.get("SHIPPING_QUOTE_TIMEOUT") or 6)
    GHN_TOKEN = os.environ.get("GHN_TOKEN") or None
    GHN_API_BASE = os.environ.get("GHN_API_BASE") or "https://online-gateway.ghn.vn"
    GHN_WEBHOOK_TOKEN = os.environ.get("GHN_WEBHOOK_TOKEN") or None  # the secret part of the callback URL
    GHTK_TOKEN = os.environ.get("GHTK_TOKEN") or None
    GHTK_API_BASE = os.environ.get("GHTK_API_BASE") or "https://services.giaohangtietkiem.vn"
    GHTK_WEBHOOK_HASH = os.environ.get("GHTK_WEBHOOK_HASH") or None  # ?hash= on the callback URL
    VTP_TOKEN = os.environ.get("VTP_TOKEN") or None
    VTP_API_BASE = os.environ.get("VTP_API_BASE") or "https://partner.viettelpost.vn"
    VTP_WEBHOOK_TOKEN = os.environ.get("VTP_WEBHOOK_TOKEN") or None  # TOKEN in the body of Viettel Post's calls
    VTP_PRINT_TOKEN = os.environ.get("VTP_PRINT_TOKEN") or None  # the printing token Viettel Post issues
    VTP_SERVICE = os.environ.get("VTP_SERVICE") or "VCN"


class Testing(Config):
    """Test settings: a database per run chosen by the fixtures, no CSRF unless a test asks."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DB_PING_AFTER_IDLE_SECONDS = None  # as before: tests that break connections on purpose see them break
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # still scrypt, cheap enough for hundreds of test users
    JOBS_ENABLED = False  # tests run jobs themselves (app.core.jobs.run_job)
    PAGE_CACHE_TTL = 0  # tests that change rows behind the ORM's back would see stale pages; its tests turn it on


class Production(Config):
    """Production: secrets must come from the environment, cookies are Secure, HTTPS is forced."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "gevent"
    REQUIRED_ENV = ("SECRET_KEY", "DATABASE_URL")

    @classmethod
    def check(cls) -> None:
        """Refuse to start when a required secret is missing from the environment, or SECRET_KEY is guessable."""
        missing = [name for name in cls.REQUIRED_ENV if not os.environ.get(name)]
        if os.environ.get("STRIPE_SECRET_KEY") and not os.environ.get("STRIPE_WEBHOOK_SECRET"):
            missing.append("STRIPE_WEBHOOK_SECRET")
        if missing:
            raise RuntimeError("Missing required environment variables: " + ", ".join(missing))
        secret = os.environ["SECRET_KEY"]
        if (len(secret) < cls.SECRET_KEY_MIN_LENGTH or secret.strip().lower() in cls.KNOWN_SECRET_KEYS
                or len(set(secret)) < 8):
            # Anyone who knows the key can sign a session cookie for any account: a short or published key is none.
            raise RuntimeError(
                f"SECRET_KEY is too weak: use at least {cls.SECRET_KEY_MIN_LENGTH} random characters, not an example "
                "or default value. Make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'")


CONFIGS = {"development": Config, "testing": Testing, "production": Production}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by APP_ENV (development by default)."""
    name = (os.environ.get("APP_ENV") or "development").lower()
    if name not in CONFIGS:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
