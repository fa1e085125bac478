#!/usr/bin/env python3
"""Render deploy/nginx/rtmp.conf.template into a runnable nginx config (stdlib only; used by make video and tests)."""
from __future__ import annotations

import argparse
import getpass
import os
import string
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "rtmp.conf.template"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

DEFAULTS = {
    "rtmp_host": "127.0.0.1",
    "rtmp_port": "1935",
    "http_host": "127.0.0.1",
    "http_port": "8088",
    "app_url": "http://127.0.0.1:5000",
    "ingest_app": "ingest",
    "hls_app": "hls",
    "fragment_seconds": "1",
    "playlist_seconds": "6",
    "update_seconds": "10",
}


def render(prefix: str | os.PathLike, video_dir: str | os.PathLike, **values: str | int) -> str:
    """The config text; prefix holds pid, logs and temp files, video_dir the hls/ and rec/ folders."""
    unknown = set(values) - set(DEFAULTS) - {"user"}
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = {**DEFAULTS, **{k: str(v) for k, v in values.items()}}
    prefix, video_dir = Path(prefix).resolve(), Path(video_dir).resolve()
    user = settings.pop("user", None) or getpass.getuser()
    # Debian loads the module from /etc/nginx/modules-enabled, which a config of our own does not include.
    module_line = f"load_module {RTMP_MODULE};" if os.path.exists(RTMP_MODULE) else "# rtmp module built in"
    settings.update(
        prefix=str(prefix),
        hls_dir=str(video_dir / "hls"),
        record_dir=str(video_dir / "rec"),
        callback_url=settings["app_url"].rstrip("/") + "/live/video/rtmp",
        # `user` only matters when the master runs as root (CI); the workers then write as that user.
        user_line=f"user {user};" if os.geteuid() == 0 else "# not root: workers run as the current user",
        module_line=module_line,
    )
    return string.Template(TEMPLATE.read_text()).substitute(settings)


def prepare(prefix: str | os.PathLike, video_dir: str | os.PathLike, **values: str | int) -> Path:
    """Write <prefix>/nginx.conf and create the folders nginx needs; returns the config path."""
    prefix, video_dir = Path(prefix).resolve(), Path(video_dir).resolve()
    for folder in (prefix / "tmp", video_dir / "hls", video_dir / "rec"):
        folder.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(prefix, video_dir, **values))
    return conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefix", default=os.environ.get("VIDEO_NGINX_PREFIX", "instance/nginx"))
    parser.add_argument("--video-dir", default=os.environ.get("VIDEO_DIR", "instance/video"))
    for name, default in DEFAULTS.items():
        env = "VIDEO_" + name.upper()
        parser.add_argument("--" + name.replace("_", "-"), default=os.environ.get(env, default),
                            help=f"default {default} (${env})")
    args = vars(parser.parse_args())
    prefix, video_dir = args.pop("prefix"), args.pop("video_dir")
    print(prepare(prefix, video_dir, **args))


if __name__ == "__main__":
    main()
