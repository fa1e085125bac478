"""Chợ Live application factory."""
from __future__ import annotations

import os
import sqlite3
from urllib.parse import urlsplit

from flask import Flask, abort, g, request, send_file
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import Config, Production, config_from_env
from .extensions import babel, csrf, db, limiter, login, migrate, socketio, talisman


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL lets readers run beside the writer; busy_timeout makes writers wait instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# Pictures and video only from this site (uploads under /media, HLS under /live/video/hls), plus the file bucket's
# own address when it has one (S3_PUBLIC_URL) and an absolute VIDEO_HLS_URL: see content_security_policy().
CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "connect-src": ["'self'", "ws:", "wss:"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "script-src": "'self'",
    "frame-src": ["https://www.youtube-nocookie.com", "https://www.youtube.com", "https://www.facebook.com"],
    "worker-src": ["'self'", "blob:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


# Uploaded files (/media): nothing may load or run, and the file gets a unique opaque origin.
MEDIA_CSP = "default-src 'none'; sandbox"


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def content_security_policy(config) -> dict:
    """The site's CSP for this configuration: the bucket that serves uploads and an outside HLS server, if any."""
    policy = {name: list(value) if isinstance(value, list) else value for name, value in CSP.items()}
    files = _origin(config.get("S3_PUBLIC_URL"))
    if files:
        policy["img-src"].append(files)
        policy["media-src"].append(files)
    hls = _origin(config.get("VIDEO_HLS_URL") or os.environ.get("VIDEO_HLS_URL"))
    if hls:
        policy["media-src"].append(hls)
        policy["connect-src"].append(hls)
    return policy


def _allow_page_media_origins(response):
    """After Talisman: a page that plays a seller's own HLS link (g.media_origins) may load it, no other page."""
    origins = g.get("media_origins")
    policy = response.headers.get("Content-Security-Policy")
    if origins and policy:
        extra = " ".join(sorted(origins))
        parts = []
        for part in policy.split(";"):
            name = part.strip().split(" ", 1)[0]
            parts.append(f"{part.strip()} {extra}" if name in ("media-src", "connect-src") else part.strip())
        response.headers["Content-Security-Policy"] = "; ".join(p for p in parts if p)
    return response


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, socket namespaces, CLI and error handlers."""
    app = Flask(__name__, instance_path=str(Config.INSTANCE_DIR))
    from .core.web import DatabaseIntConverter, apply_large_body_limit, refuse_nul_characters

    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request(apply_large_body_limit)  # first: the next hook already reads the form
    app.before_request(refuse_nul_characters)
    config_class = config if isinstance(config, type) else config_from_env()
    if issubclass(config_class, Production):
        config_class.check()
    app.config.from_object(config_class)
    if isinstance(config, dict):
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from .errors import register_error_handlers

    register_error_handlers(app)

    from .cli import register_cli
    from .core.jobs import init_jobs

    register_cli(app)
    init_jobs(app)  # after the blueprints, whose registration registers their jobs

    from .core import pagecache

    pagecache.init_app(app)  # it places its hooks around everyone else's
    _init_assets(app)
    _trust_proxies(app)  # outermost: the cache's fast path and Socket.IO see the client's own address and host
    return app


def _init_assets(app: Flask) -> None:
    """Versioned static URLs, year-long static caching and compression: after the page cache, whose stored
    pages stay uncompressed and whose fast-path hits get compressed in front of it."""
    from .core import assets

    assets.init_app(app)


def _init_extensions(app: Flask) -> None:
    from .core import dbnative
    from .core.i18n import select_locale, select_timezone
    from .core.storage import init_storage

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dbnative.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
        bool(app.config.get("DB_NATIVE_PLACEHOLDERS", True)))
    db.init_app(app)
    if app.config.get("DB_PING_AFTER_IDLE_SECONDS") is not None:
        from .core import dbping

        with app.app_context():
            for engine in db.engines.values():
                dbping.install(engine, float(app.config["DB_PING_AFTER_IDLE_SECONDS"]))
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
                     render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    login.login_view = "accounts.login"
    login.login_message = None
    login.session_protection = None  # login sessions are revocable rows; see accounts.services
    if app.config.get("TALISMAN_ENABLED", True):
        # Registered before Talisman's hook, so it runs after it (Flask runs after_request hooks in reverse).
        app.after_request(_allow_page_media_origins)
        talisman.init_app(
            app,
            force_https=app.config["FORCE_HTTPS"],
            session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
            content_security_policy=content_security_policy(app.config),
            strict_transport_security=app.config["FORCE_HTTPS"],
            referrer_policy="strict-origin-when-cross-origin",
            frame_options="DENY",
        )
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config.get("REDIS_URL"),
        channel=app.config.get("SOCKETIO_CHANNEL") or "flask-socketio",
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        max_http_buffer_size=64 * 1024,
    )
    init_storage(app)

    from .accounts.auth import init_login

    init_login(app)


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies (nginx: 1), take the client's address, scheme and host from their headers.

    Without it every request behind nginx comes from 127.0.0.1 and the per-address limits (sign-in) become one
    bucket for the whole site. With 0 (the default, no proxy) the headers are ignored: a client cannot pick the
    address it is limited by. Wrapped last (outside the page cache's fast path and Socket.IO's middleware), so
    both see the real client too.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_blueprints(app: Flask) -> None:
    from .accounts import bp as accounts_bp
    from .api import init_api
    from .livestream import bp as live_bp
    from .main import bp as main_bp
    from .shop import bp as shop_bp
    from .training import bp as training_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(shop_bp, url_prefix="/shop")
    app.register_blueprint(live_bp, url_prefix="/live")
    app.register_blueprint(training_bp, url_prefix="/training")
    init_api(app)

    from . import compliance

    compliance.init_app(app)

    from . import notify

    notify.init_app(app)  # after shop: its receivers read orders, and the bell's router takes over some kinds

    @app.get("/media/<path:key>")
    @talisman(content_security_policy=MEDIA_CSP)
    def media(key: str):
        """Uploaded files by their generated key; immutable, so cached for a year.

        The type comes from the key's extension, which core/uploads.py chose from the file's bytes: pictures are
        shown, anything else is a download. Whatever a file holds, it never runs as a page of this site: nosniff,
        and a CSP that forbids everything and sandboxes it into an origin of its own.
        """
        import io

        from .core.storage import get_storage
        from .core.uploads import is_public_key, served_as

        if not is_public_key(key):
            abort(404)  # private papers are served by their feature, to whom it allows, never here
        kind = served_as(key)
        storage = get_storage()
        local_path = getattr(storage, "local_path", None)  # on disk: streamed, not read whole (a 200 MB video)
        source = local_path(key) if local_path else io.BytesIO(storage.read(key))
        response = send_file(source, mimetype=kind.content_type, max_age=31536000,
                             as_attachment=not kind.inline, download_name=key.rsplit("/", 1)[-1])
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = MEDIA_CSP  # also when Talisman is off
        return response


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from .core import addresses
    from .core.markup import render_markdown
    from .core.money import format_num, format_vnd
    from .core.phone import display_phone

    app.jinja_env.filters["vnd"] = lambda amount: format_vnd(amount, str(get_locale() or "vi"))
    app.jinja_env.filters["num"] = lambda value, digits=1: format_num(value, str(get_locale() or "vi"), digits)
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["commune"] = addresses.commune_name
    app.jinja_env.filters["province"] = addresses.province_name
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "vi")
    app.jinja_env.add_extension("jinja2.ext.do")
    from .core import urls

    urls.init_app(app)  # templates' url_for remembers what it built

    @app.context_processor
    def inject_user_orgs():
        def my_orgs():
            if "my_orgs" not in g:
                from .accounts.queries import organisations_of

                g.my_orgs = organisations_of(current_user) if current_user.is_authenticated else []
            return g.my_orgs

        return {"my_orgs": my_orgs}

    @app.after_request
    def vary_on_language(response):
        if request.endpoint and request.endpoint != "static":
            response.vary.add("Cookie")
        return response
