#!/usr/bin/env python3
"""Render deploy/nginx/site.conf.template: the production site (TLS) or a loopback one for the cluster (stdlib only)."""
from __future__ import annotations

import argparse
import os
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "site.conf.template"
BROTLI_LINES = """    brotli on;
    brotli_comp_level 5;
    brotli_static on;
    brotli_types text/css text/javascript application/javascript application/json image/svg+xml text/plain
                 application/manifest+json;"""


def render_site(*, ports: list[int], server_name: str = "_", listen: str | None = None,
                static_dir: str | os.PathLike = ROOT / "app" / "static",
                hls_dir: str | os.PathLike = "/var/lib/cholive/video/hls",
                max_body_mb: int | None = None, max_video_mb: int | None = None, certificate: str | None = None, certificate_key: str | None = None,
                extra_locations: str = "", brotli: bool = False) -> str:
    """The `upstream` + `server` blocks; with `listen` (host:port) plain HTTP, else HTTPS on 443 and a redirect on 80.

    `brotli`: also brotli for static files and text (Debian: apt-get install libnginx-mod-http-brotli-filter
    libnginx-mod-http-brotli-static, which load themselves); without the modules nginx would refuse the lines."""
    if not ports:
        raise ValueError("at least one app port")
    max_body_mb = max_body_mb or int(os.environ.get("MAX_UPLOAD_MB") or 8)
    max_video_mb = max_video_mb or int(os.environ.get("MAX_VIDEO_MB") or 200)
    # A dead process refuses connections: nginx passes the request to the next one at once (proxy_next_upstream)
    # and, after 3 refusals, stops trying it for 10 s. One slow answer in a burst does not move a client.
    upstream = "\n".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in ports)
    if listen:
        listen_lines, tls_lines, redirect = f"    listen {listen};", "", ""
    else:
        cert = certificate or f"/etc/letsencrypt/live/{server_name}/fullchain.pem"
        key = certificate_key or f"/etc/letsencrypt/live/{server_name}/privkey.pem"
        listen_lines = "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;"
        tls_lines = (f"    ssl_certificate {cert};\n    ssl_certificate_key {key};\n"
                     "    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache shared:cholive_tls:10m;\n"
                     '    add_header Strict-Transport-Security "max-age=31536000" always;')
        redirect = ("server {\n    listen 80;\n    listen [::]:80;\n    server_name " + server_name + ";\n"
                    "    # certbot's HTTP-01 challenge (certbot certonly --webroot -w /var/www/certbot)\n"
                    "    location /.well-known/acme-challenge/ { root /var/www/certbot; }\n"
                    "    location / { return 301 https://$host$request_uri; }\n}\n")
    return string.Template(TEMPLATE.read_text()).substitute(
        upstream_servers=upstream, server_name=server_name, listen_lines=listen_lines, tls_lines=tls_lines,
        redirect_server=redirect, static_dir=str(Path(static_dir).resolve()), hls_dir=str(hls_dir),
        max_body_mb=max_body_mb, max_video_mb=max_video_mb, extra_locations=extra_locations, brotli_lines=BROTLI_LINES if brotli else "")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server-name", default="cho.example.vn")
    parser.add_argument("--ports", default="8001,8002", help="app processes on 127.0.0.1 (cholive@<port>)")
    parser.add_argument("--static-dir", default="/srv/cholive/app/static")
    parser.add_argument("--hls-dir", default="/var/lib/cholive/video/hls")
    parser.add_argument("--max-body-mb", type=int, default=None, help="MAX_UPLOAD_MB of the app (8)")
    parser.add_argument("--brotli", action="store_true",
                        help="brotli too (needs libnginx-mod-http-brotli-filter and -static)")
    args = parser.parse_args()
    print(render_site(ports=[int(p) for p in args.ports.split(",") if p], server_name=args.server_name,
                      static_dir=args.static_dir, hls_dir=args.hls_dir, max_body_mb=args.max_body_mb,
                      brotli=args.brotli))


if __name__ == "__main__":
    main()
