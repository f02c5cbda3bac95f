"""Fixtures for the exporter tests (helpers live in export_fixtures.py).

- `warehouse`: a temp DuckDB file holding the export marts as tables with the
  contract's column types, filled from Python rows (fast; the marts' SQL has
  its own dbt tests and test_export_e2e.py builds them for real).
- `stubs`: Stubber-wrapped clients handed out by exporters.aws' factory hook;
  botocore validates every request against the service model, and every
  request is recorded so tests can check the batch limits botocore does not.
- `s3`: moto's S3 with a bucket, for bulk mode.
- `fakes`: stateful fakes of the services (fake_aws.py) on those clients,
  for exactly-once and fault-injection tests.
- `run_export`: one in-process run with test defaults and no real sleeping;
  `instant_retries`: the same for runs through the CLI.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_fixtures import (
    BUCKET,
    REGION,
    NoSleep,
    Stubs,
    Warehouse,
    export_flags,
)
from fake_aws import FAKES, FakeService

from exporters import aws, config, connect, personalize, pinpoint, sync

MODULES = {"pinpoint": pinpoint, "personalize": personalize, "connect": connect}


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "rfm.duckdb")


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubs]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    found = Stubs()
    aws.set_client_factory(found.factory)
    yield found
    aws.set_client_factory(None)


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[Any]:
    """moto's S3, started once (starting it costs a third of a second)."""
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("s3", region_name=REGION, aws_access_key_id="testing",
                           aws_secret_access_key="testing")


@pytest.fixture
def s3(stubs: Stubs, moto_s3: Any) -> Iterator[Any]:
    """An empty bucket in moto's S3, for bulk mode."""
    moto_s3.create_bucket(Bucket=BUCKET)
    stubs.extra["s3"] = moto_s3
    yield moto_s3
    for entry in moto_s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        moto_s3.delete_object(Bucket=BUCKET, Key=entry["Key"])
    moto_s3.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def fakes(stubs: Stubs, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Any]:
    """fakes("pinpoint") -> the run's FakePinpoint (made on first use)."""
    made: dict[str, FakeService] = {}

    def get(service: str) -> Any:
        if service not in made:
            made[service] = FAKES[service](stubs)
            if service == "customer-profiles":
                monkeypatch.setattr(aws, "http_put", made[service].put)
        return made[service]

    return get


@pytest.fixture
def no_sleep() -> NoSleep:
    return NoSleep()


@pytest.fixture(autouse=True)
def instant_retries(monkeypatch: pytest.MonkeyPatch, no_sleep: NoSleep) -> NoSleep:
    """Runs through the CLI back off and pace without sleeping (sleeps
    recorded in no_sleep)."""
    monkeypatch.setattr(
        aws, "RetryPolicy", functools.partial(aws.RetryPolicy, sleep=no_sleep,
                                              random=lambda: 0.5, clock=no_sleep.clock)
    )
    return no_sleep


@pytest.fixture
def run_export(warehouse: Warehouse, tmp_path: Path, no_sleep: NoSleep) -> Any:
    """Run one export in-process with test defaults; returns the RunReport."""

    def run(destination: str, **flags: Any) -> sync.RunReport:
        settings = config.build_settings(destination, **export_flags(
            destination, warehouse.path, tmp_path / "state.duckdb", **flags))
        retry = aws.RetryPolicy(sleep=no_sleep, random=lambda: 0.5, clock=no_sleep.clock)
        return sync.run(settings, MODULES[destination], retry=retry)

    return run
