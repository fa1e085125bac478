#!/usr/bin/env python3
"""Render deploy/nginx/rtmp.conf.template into a runnable nginx config (stdlib only; used by make video and tests)."""
from __future__ import annotations

import argparse
import getpass
import os
import string
from pathlib import Path
from urllib.parse import quote

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
    "relay_app": "relay",
    "hls_app": "hls",
    "ladder": "off",
    "ffmpeg": "/usr/bin/ffmpeg",
    "fragment_seconds": "1",
    "playlist_seconds": "6",
    "update_seconds": "10",
    # Shared with the app (VIDEO_CALLBACK_TOKEN): sent as ?token= on every callback, so a request that only
    # looks like it comes from loopback (behind the site's own proxy) is still refused.
    "callback_token": "",
}


def relay_out(settings: dict[str, str]) -> str:
    """The relay application's hand-over to HLS: a plain push, or ffmpeg making the low-data ladder."""
    hls = f"rtmp://127.0.0.1:{settings['rtmp_port']}/{settings['hls_app']}"
    if settings["ladder"] not in ("on", "off"):
        raise ValueError("ladder must be on or off")
    if settings["ladder"] == "off":
        return f"            push {hls};"
    source = f"rtmp://127.0.0.1:{settings['rtmp_port']}/{settings['relay_app']}/$name"
    rung = ("-map 0:v -map 0:a -c:v libx264 -preset veryfast -tune zerolatency -vf scale=-2:{h} -b:v {v}k "
            "-maxrate {v}k -bufsize {b}k -force_key_frames expr:gte(t,n_forced*2) -sc_threshold 0 -c:a aac -b:a 64k -ac 1 "
            "-f flv {hls}/$name_{h}")
    parts = [f"{settings['ffmpeg']} -nostdin -loglevel error -i {source}",
             f"-map 0:v -map 0:a -c copy -f flv {hls}/$name_src",
             rung.format(h=360, v=600, b=1200, hls=hls),
             rung.format(h=240, v=300, b=600, hls=hls),
             f"-map 0:a -c:a aac -b:a 48k -ac 1 -f flv {hls}/$name_audio"]
    return "            exec_push " + "\n                ".join(parts) + ";"


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
        relay_out=relay_out(settings),
        prefix=str(prefix),
        hls_dir=str(video_dir / "hls"),
        record_dir=str(video_dir / "rec"),
        callback_url=settings["app_url"].rstrip("/") + "/live/video/rtmp",
        callback_query=f"?token={quote(token, safe='')}" if (token := settings.pop("callback_token")) else "",
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
