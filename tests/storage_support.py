"""A real S3-compatible endpoint for tests: moto's server (``python -m moto.server``) as a child
process on a free port, and a bucket of its own for each test with ``STORAGES["default"]`` pointed
at it through the settings' own ``default_storage_setting`` (so the tests run the wiring production
runs). The app talks HTTP to the server through boto3 as it would to MinIO or AWS — no client is
mocked. moto is a test dependency, always installed: the fixture fails, never skips, when the
server does not come up.

Use: ``from tests.storage_support import bucket, moto_endpoint  # noqa: F401`` in a test module,
and ask for ``bucket``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

import boto3
import pytest

from reship.config.settings.storage import default_storage_setting
from tests.live_support import free_port

READY_SECONDS = 30
REGION = "us-east-1"
# moto accepts any key; set explicitly so neither boto3 nor the app looks for real credentials.
ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"  # noqa: S105 - moto's, accepted whatever it is


@dataclass
class Bucket:
    """The bucket a test's files go to, and a client to look inside it."""

    name: str
    endpoint: str
    client: Any

    def keys(self, prefix: str = "") -> list[str]:
        answer = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def head(self, key: str) -> dict[str, Any]:
        return self.client.head_object(Bucket=self.name, Key=key)


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def _wait_until_up(process: subprocess.Popen, endpoint: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310 - a local http URL we built
                return
        except (URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer on {endpoint} in {READY_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory) -> Iterator[str]:
    """The URL of a moto server started for this test session, stopped at its end."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    environment = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )
    try:
        _wait_until_up(process, endpoint, log)
        yield endpoint
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def storage_url(bucket: str, endpoint: str, *, location: str = "") -> str:
    """The ``STORAGE_URL`` an operator would set for this bucket (keys in the URL's user part)."""
    url = f"s3://{ACCESS_KEY}:{SECRET_KEY}@{bucket}?endpoint_url={endpoint}&region={REGION}&addressing_style=path"
    return f"{url}&location={location}" if location else url


@pytest.fixture
def bucket(moto_endpoint, settings, tmp_path) -> Iterator[Bucket]:
    """A new, empty bucket; every file the app stores during the test goes there. ``MEDIA_ROOT``
    points at an empty folder, so a test can tell that nothing was written to local disk."""
    name = f"reship-test-{uuid.uuid4().hex[:12]}"
    client = s3_client(moto_endpoint)
    client.create_bucket(Bucket=name)
    settings.MEDIA_ROOT = tmp_path / "media-must-stay-empty"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_setting(url=storage_url(name, moto_endpoint), bucket="", spool_bytes=64 * 1024),
    }
    yield Bucket(name=name, endpoint=moto_endpoint, client=client)
    assert not Path(settings.MEDIA_ROOT).exists(), "a file was written to local disk, not to the bucket"
