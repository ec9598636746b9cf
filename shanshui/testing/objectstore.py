"""An S3-compatible object store on loopback for the tests (moto's server mode).

CI starts one and exports its address as ``SHANSHUI_TEST_S3_ENDPOINT``; without it the test
session starts its own ``moto.server`` on a free loopback port and stops it at the end. Each test
gets a fresh bucket and ``STORAGES["default"]`` pointed at it, with the same options production
uses (``shanshui.lib.mediastore.s3_storage_options``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shanshui.lib.mediastore import s3_storage_options

ACCESS_KEY = "shanshui-test"
SECRET_KEY = "shanshui-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto.server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto.server did not start listening in time")


@contextmanager
def s3_server() -> Iterator[str]:
    """The endpoint URL of an S3-compatible server: CI's, or one started here."""
    endpoint = os.environ.get("SHANSHUI_TEST_S3_ENDPOINT", "")
    if endpoint:
        yield endpoint
        return
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Bucket:
    endpoint: str
    name: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def keys(self) -> list[str]:
        found = self.client().list_objects_v2(Bucket=self.name).get("Contents", [])
        return sorted(item["Key"] for item in found)

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.name, Key=key)["Body"].read()


def new_bucket(endpoint: str) -> Bucket:
    bucket = Bucket(endpoint, f"shanshui-{uuid.uuid4().hex[:12]}")
    bucket.client().create_bucket(Bucket=bucket.name)
    return bucket


def media_storage(endpoint: str, bucket: str, *, timeout_s: int = 5) -> dict:
    """``STORAGES["default"]`` on ``bucket``, as settings.py builds it from the environment."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(
            bucket=bucket,
            endpoint_url=endpoint,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            timeout_s=timeout_s,
        ),
    }
