"""Fixtures for the exporter tests (helpers live in export_fixtures.py).

- `warehouse`: a temp DuckDB file holding the export marts as tables with the
  contract's column types, filled from Python rows (fast; the marts' SQL has
  its own dbt tests and test_export_e2e.py builds them for real).
- `stubs`: Stubber-wrapped clients handed out by exporters.aws' factory hook;
  botocore validates every request against the service model, and every
  request is recorded so tests can check the batch limits botocore does not.
- `s3`: moto's S3 with a bucket, for bulk mode.
- `run_export`: one in-process run with test defaults and no real sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_fixtures import (
    APP_ID,
    BUCKET,
    DOMAIN,
    GROUP_ARN,
    REGION,
    ROLE_ARN,
    TRACKING_ID,
    NoSleep,
    Stubs,
    Warehouse,
)

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


@pytest.fixture
def s3(stubs: Stubs) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        stubs.extra["s3"] = client
        yield client


@pytest.fixture
def no_sleep() -> NoSleep:
    return NoSleep()


@pytest.fixture
def run_export(warehouse: Warehouse, tmp_path: Path, no_sleep: NoSleep) -> Any:
    """Run one export in-process with test defaults; returns the RunReport."""

    def run(destination: str, **flags: Any) -> sync.RunReport:
        defaults: dict[str, Any] = {
            "warehouse_path": str(warehouse.path),
            "state_path": str(tmp_path / "state.duckdb"),
            "region": REGION,
            "poll_seconds": 0,
        }
        if destination == "pinpoint":
            defaults["application_id"] = APP_ID
        elif destination == "personalize":
            defaults |= {"dataset_group_arn": GROUP_ARN, "tracking_id": TRACKING_ID}
        else:
            defaults["domain_name"] = DOMAIN
        if flags.get("mode") == "bulk" and destination != "connect":
            defaults |= {"s3_uri": f"s3://{BUCKET}/exports", "role_arn": ROLE_ARN}
        settings = config.build_settings(destination, **(defaults | flags))
        retry = aws.RetryPolicy(sleep=no_sleep, random=lambda: 0.5)
        return sync.run(settings, MODULES[destination], retry=retry)

    return run
