"""One Storage interface for uploaded files: local disk by default, S3 through boto3."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app, url_for

from ..errors import NotFound
from .uploads import TYPES, FileType


class Storage(Protocol):
    """What every backend offers; keys are generated here, never taken from an upload.

    Call it through core/uploads.py (save_image, save_upload), which checks the bytes first. The type a file is
    served with follows from its extension (core.uploads.served_as), on /media and on S3 alike.
    """

    def save(self, data: bytes, *, prefix: str, extension: str, content_type: str | None = None) -> str: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str) -> str: ...


def new_key(prefix: str, extension: str) -> str:
    """A fresh unguessable name such as 'products/3f9c…e1.webp'; only extensions of a type we serve safely."""
    if extension not in TYPES:
        raise ValueError(f"not a stored file type: {extension!r} (check uploads with core.uploads first)")
    safe_prefix = "".join(ch for ch in prefix if ch.isalnum() or ch in "-_/").strip("/") or "files"
    return f"{safe_prefix}/{secrets.token_hex(16)}.{extension}"


def _checked_type(extension: str, content_type: str | None) -> FileType:
    kind = TYPES.get(extension)
    if kind is None or (content_type is not None and content_type != kind.content_type):
        raise ValueError(f"{extension!r} is not stored as {content_type!r}")
    return kind


def _check_key(key: str) -> str:
    if not key or ".." in key or key.startswith("/") or "\\" in key:
        raise NotFound()
    return key


class LocalStorage:
    """Files under a folder on this machine, served by the app's /media route."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def save(self, data: bytes, *, prefix: str, extension: str, content_type: str | None = None) -> str:
        _checked_type(extension, content_type)
        key = new_key(prefix, extension)
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        return key

    def read(self, key: str) -> bytes:
        return self.local_path(key).read_bytes()

    def local_path(self, key: str) -> Path:
        """The file on disk, for /media to stream (with byte ranges: a lesson video seeks) instead of reading it."""
        path = self.root / _check_key(key)
        if not path.is_file():
            raise NotFound()
        return path

    def delete(self, key: str) -> None:
        (self.root / _check_key(key)).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return url_for("media", key=key)


class S3Storage:
    """Files in an S3 bucket (AWS or any S3-compatible endpoint such as moto or MinIO)."""

    def __init__(self, bucket: str, region: str, endpoint_url: str | None = None, public_url: str | None = None):
        import boto3

        self.bucket = bucket
        self.public_url = public_url.rstrip("/") if public_url else None
        self.client = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)

    def save(self, data: bytes, *, prefix: str, extension: str, content_type: str | None = None) -> str:
        kind = _checked_type(extension, content_type)
        key = new_key(prefix, extension)
        # The same type and disposition /media gives: read straight from the bucket (S3_PUBLIC_URL), a document is
        # a download, never a page.
        extra = {} if kind.inline else {"ContentDisposition": "attachment"}
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=kind.content_type,
            CacheControl="public, max-age=31536000, immutable", **extra,
        )
        return key

    def read(self, key: str) -> bytes:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=_check_key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise NotFound() from exc
        data: bytes = obj["Body"].read()
        return data

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_check_key(key))

    def url(self, key: str) -> str:
        if self.public_url:
            return f"{self.public_url}/{key}"
        return url_for("media", key=key)


def init_storage(app: Flask) -> None:
    """Build the configured backend once and keep it on the app."""
    backend = app.config["STORAGE_BACKEND"]
    if backend == "s3":
        if not app.config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        storage: Storage = S3Storage(
            app.config["S3_BUCKET"], app.config["S3_REGION"], app.config.get("S3_ENDPOINT_URL"),
            app.config.get("S3_PUBLIC_URL"),
        )
    elif backend == "local":
        storage = LocalStorage(app.config["STORAGE_LOCAL_DIR"])
    else:
        raise RuntimeError(f"Unknown STORAGE_BACKEND {backend!r}; use 'local' or 's3'")
    app.extensions["storage"] = storage


def get_storage() -> Storage:
    storage: Storage = current_app.extensions["storage"]
    return storage
