"""Where uploaded and generated files are kept: ``STORAGES["default"]`` from the environment.

With nothing set, the local folder ``MEDIA_ROOT`` (the embedded default, one machine). With an
S3-compatible object store (AWS, MinIO, Alibaba OSS, Tencent COS…) every web node and worker reads
and writes the same files: django-storages' ``S3Storage``, configured either by one URL

    STORAGE_URL=s3://bucket?endpoint_url=https://minio.internal:9000&region=cn-east-1

(optionally ``s3://KEY:SECRET@bucket?…``; query keys: ``endpoint_url``, ``region``,
``addressing_style``, ``location`` — a key prefix inside the bucket), or by the usual variables
``AWS_STORAGE_BUCKET_NAME``, ``AWS_S3_ENDPOINT_URL``, ``AWS_S3_REGION_NAME``,
``AWS_S3_ADDRESSING_STYLE``, ``AWS_LOCATION``. The keys come from ``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` (or boto3's own chain: an instance role, ``~/.aws``).

The objects stay private: no ACL is sent (the bucket's own, private by default; buckets that forbid
ACLs accept the upload), and ``url()`` is never signed, so nothing the app renders grants access to
the bucket — files go out only through the views that check who is asking (``reship.core.files``).
Names are never overwritten (a thread attachment keeps its uploaded name: two shops' ``photo.jpg``
in the same month must stay two objects). A file read back (an import in the worker) is spooled to
disk past ``FILE_UPLOAD_MAX_MEMORY_SIZE`` instead of held in memory whole.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"

# STORAGE_URL's query keys → S3Storage's options (``region`` is also accepted under boto3's name).
_URL_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "region_name": "region_name",
    "addressing_style": "addressing_style",
    "location": "location",
}


def _from_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(f"STORAGE_URL must look like s3://bucket?endpoint_url=…, not {url!r}.")
    bucket = parts.netloc.rsplit("@", 1)[-1]  # as written: ``hostname`` would lower its case
    options: dict[str, Any] = {"bucket_name": bucket}
    if parts.username:
        options["access_key"] = unquote(parts.username)
    if parts.password:
        options["secret_key"] = unquote(parts.password)
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key not in _URL_OPTIONS:
            known = ", ".join(sorted(_URL_OPTIONS))
            raise ImproperlyConfigured(f"STORAGE_URL: unknown option {key!r} (known: {known}).")
        options[_URL_OPTIONS[key]] = value
    return options


def default_storage_setting(
    *,
    url: str,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    addressing_style: str = "",
    location: str = "",
    access_key: str = "",
    secret_key: str = "",
    spool_bytes: int,
) -> dict[str, Any]:
    """``STORAGES["default"]``: the object store when ``url`` or ``bucket`` names one, else the
    folder (``MEDIA_ROOT``, read when a file is stored, so a test may point it elsewhere). What
    ``url`` says wins over the single settings naming the same thing."""
    if not url and not bucket:
        return {"BACKEND": LOCAL_BACKEND}
    given = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "region_name": region,
        "addressing_style": addressing_style,
        "location": location,
        "access_key": access_key,
        "secret_key": secret_key,
    }
    options: dict[str, Any] = {name: value for name, value in given.items() if value}
    if url:
        options.update(_from_url(url))
    options.update(
        {
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
            "max_memory_size": spool_bytes,
        }
    )
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
