"""The S3 backend of the Storage interface, against moto's threaded S3 server on 127.0.0.1."""

import contextlib

import boto3
import pytest
from flask import Flask

from app.core.storage import S3Storage, init_storage
from app.errors import NotFound
from tests.support.net import free_port


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    name = "cholive-test"
    client = boto3.client("s3", region_name="ap-southeast-1", endpoint_url=s3_endpoint)
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    return name


def test_s3_storage_round_trip(bucket, s3_endpoint):
    storage = S3Storage(bucket, "ap-southeast-1", s3_endpoint, public_url="https://media.example.vn")
    key = storage.save(b"\x89PNG fake", prefix="products", extension="webp", content_type="image/webp")
    assert key.startswith("products/") and key.endswith(".webp")
    assert storage.read(key) == b"\x89PNG fake"
    head = storage.client.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "image/webp"
    assert "immutable" in head["CacheControl"]
    assert storage.url(key) == f"https://media.example.vn/{key}"
    storage.delete(key)
    with pytest.raises(NotFound):
        storage.read(key)
    with pytest.raises(NotFound):
        storage.read("../secret")


def test_init_storage_picks_s3_from_config(bucket, s3_endpoint):
    app = Flask(__name__)
    app.config.update(STORAGE_BACKEND="s3", S3_BUCKET=bucket, S3_REGION="ap-southeast-1",
                      S3_ENDPOINT_URL=s3_endpoint, S3_PUBLIC_URL=None)
    init_storage(app)
    assert isinstance(app.extensions["storage"], S3Storage)
    app.config["S3_BUCKET"] = None
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        init_storage(app)


def test_s3_objects_get_the_type_and_disposition_media_gives(bucket, s3_endpoint):
    """Read straight from the bucket (S3_PUBLIC_URL), a document is a download of its detected type, never a page."""
    from tests.core import files

    storage = S3Storage(bucket, "ap-southeast-1", s3_endpoint)
    pdf = storage.client.head_object(Bucket=bucket, Key=storage.save(files.pdf(), prefix="training/files",
                                                                     extension="pdf"))
    assert pdf["ContentType"] == "application/pdf" and pdf["ContentDisposition"] == "attachment"
    video = storage.client.head_object(Bucket=bucket, Key=storage.save(files.mp4(), prefix="v", extension="mp4"))
    assert video["ContentType"] == "video/mp4" and video["ContentDisposition"] == "attachment"
    photo = storage.client.head_object(Bucket=bucket, Key=storage.save(b"RIFF", prefix="p", extension="webp"))
    assert photo["ContentType"] == "image/webp" and "ContentDisposition" not in photo
    for extension in ("html", "svg", "js"):
        with pytest.raises(ValueError):
            storage.save(files.HTML, prefix="t", extension=extension)


def test_media_serves_s3_objects_with_the_same_headers(app, client, bucket, s3_endpoint, monkeypatch):
    from tests.core import files

    storage = S3Storage(bucket, "ap-southeast-1", s3_endpoint)
    monkeypatch.setitem(app.extensions, "storage", storage)
    key = storage.save(files.pdf(), prefix="training/files", extension="pdf")
    # An object put by hand (or before this check existed) under an active extension is still an opaque download.
    storage.client.put_object(Bucket=bucket, Key="training/files/old.html", Body=files.HTML, ContentType="text/html")
    for path, content_type in ((key, "application/pdf"), ("training/files/old.html", "application/octet-stream")):
        response = client.get(f"/media/{path}")
        assert response.status_code == 200 and response.mimetype == content_type
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
