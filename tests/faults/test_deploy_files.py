"""The production deployment files: the nginx site renders and passes `nginx -t`, the units say what they must."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.cluster import NGINX
from deploy.nginx_site import render_site
from tests.support.skips import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


def test_the_production_site_has_tls_websockets_sticky_upstream_and_the_upload_limit():
    site = render_site(ports=[8001, 8002, 8003], server_name="cho.example.vn", max_body_mb=8)
    assert "ip_hash;" in site and site.count("server 127.0.0.1:80") == 3
    assert "listen 443 ssl" in site and "/etc/letsencrypt/live/cho.example.vn/fullchain.pem" in site
    assert "return 301 https://$host$request_uri" in site
    socket_block = site[site.index("location /socket.io/"):]
    assert "proxy_set_header Upgrade $http_upgrade;" in socket_block
    assert "proxy_set_header Connection $cholive_connection;" in socket_block
    assert "client_max_body_size 8m;" in site
    lesson = site[site.index("location ~ ^/training/author/lesson/[0-9]+$ {"):]
    assert "client_max_body_size 200m;" in lesson[:lesson.index("}")]  # MAX_VIDEO_MB: the lesson form's video
    assert re.search(r"location /static/ \{\s+alias .+/app/static/;", site)
    assert "location /live/video/hls/" in site and "location /live/video/rtmp/ {\n        deny all;" in site


def test_the_upload_limit_follows_max_upload_mb(monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_MB", "12")
    assert "client_max_body_size 12m;" in render_site(ports=[8001])
    with pytest.raises(ValueError):
        render_site(ports=[])


def test_the_production_site_passes_nginx_t(tmp_path):
    if not os.access(NGINX, os.X_OK) or not shutil.which("openssl"):
        skip_or_fail("nginx -t needs Debian's nginx and openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=cho.example.vn"], check=True, capture_output=True, timeout=60)
    site = render_site(ports=[8001, 8002], server_name="cho.example.vn", certificate=str(cert),
                       certificate_key=str(key), static_dir=tmp_path, hls_dir=tmp_path / "hls")
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\n"
                    f"client_body_temp_path {tmp_path}/body;\nproxy_temp_path {tmp_path}/proxy;\n{site}\n}}\n")
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "logs/error.log")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_the_app_unit_is_a_template_over_ports_running_gunicorn_with_the_env_file():
    unit = (ROOT / "deploy/systemd/cholive@.service").read_text()
    assert "-b 127.0.0.1:%i" in unit and "EnvironmentFile=/etc/cholive/cholive.env" in unit
    assert "gunicorn -c /srv/cholive/gunicorn.conf.py" in unit and "Restart=always" in unit
    target = (ROOT / "deploy/systemd/cholive.target").read_text()
    assert "cholive@8001.service cholive@8002.service" in target
    timer = (ROOT / "deploy/systemd/cholive-backup.timer").read_text()
    assert "OnCalendar=" in timer and "pg_dump" in (ROOT / "deploy/systemd/cholive-backup.service").read_text()


def test_the_env_example_names_every_secret_production_requires():
    from app.config import Production

    example = (ROOT / "deploy/cholive.env.example").read_text()
    for name in (*Production.REQUIRED_ENV, "REDIS_URL", "STRIPE_WEBHOOK_SECRET", "MAX_UPLOAD_MB"):
        assert re.search(rf"^#?{name}=", example, re.M), name


def test_the_site_compresses_text_and_keeps_versioned_static_files_a_year(tmp_path):
    from deploy.precompress_static import precompress

    site = render_site(ports=[8001], server_name="cho.example.vn")
    static = site[site.index("location /static/"):]
    assert "gzip on;" in site and "image/svg+xml" in site and "gzip_static on;" in static
    assert "add_header Cache-Control $cholive_static_cache always;" in static
    assert "\"public, max-age=31536000, immutable\"" in site and "brotli on;" not in site
    assert "brotli_static on;" in render_site(ports=[8001], brotli=True)
    (tmp_path / "app.css").write_text("body { color: black; }\n" * 100)
    (tmp_path / "tiny.js").write_text("x()")
    assert precompress(tmp_path) >= 1
    import gzip
    assert gzip.decompress((tmp_path / "app.css.gz").read_bytes()) == (tmp_path / "app.css").read_bytes()
    assert not (tmp_path / "tiny.js.gz").exists()
