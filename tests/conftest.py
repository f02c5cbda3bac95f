"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture()
def s3_endpoint(monkeypatch):
    """A local S3 (moto's server) as host:port, with dummy credentials set."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield f"{host}:{port}"
    server.stop()
