"""Clickstream capture files are read from an s3:// glob (moto's S3): the glob is
listed, a second run reads only the new object, and an empty prefix is a warning,
not an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "clickstream"
DBT = Path(sys.executable).with_name("dbt")

pytestmark = pytest.mark.e2e


def dbt_build(tmp: Path, endpoint: str, clickstream_path: str) -> str:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "RFM_DUCKDB_PATH": str(tmp / "s3.duckdb"),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp / "spill"),
        "RFM_S3_ENDPOINT": endpoint,
        "RFM_S3_URL_STYLE": "path",
        "RFM_S3_USE_SSL": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            str(DBT), "build",
            "--select", "+stg_clickstream__events",
            "--indirect-selection", "cautious",
            "--exclude-resource-type", "unit_test",
            "--target-path", str(tmp / "target"),
            "--log-path", str(tmp / "logs"),
            "--vars", f"{{clickstream_path: '{clickstream_path}'}}",
        ],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


def loads(database: Path) -> list[tuple[str, int, int]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select source_file, count(*), count(distinct loaded_at)"
            " from base_clickstream__events group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()


def test_build_reads_an_s3_glob_incrementally(s3_endpoint, tmp_path):
    s3 = boto3.client("s3", endpoint_url=f"http://{s3_endpoint}")
    s3.create_bucket(Bucket="landing")
    glob = "s3://landing/clickstream/*.jsonl"

    stdout = dbt_build(tmp_path, s3_endpoint, glob)
    assert "No file matches clickstream_path" in stdout
    assert loads(tmp_path / "s3.duckdb") == []

    first = FIXTURE / "first_load" / "events-0002.jsonl"
    s3.upload_file(str(first), "landing", "clickstream/events-0002.jsonl")
    s3.put_object(Bucket="landing", Key="elsewhere/ignored.jsonl", Body=b"{}\n")
    dbt_build(tmp_path, s3_endpoint, glob)
    second = FIXTURE / "second_load" / "events-0003.jsonl"
    s3.upload_file(str(second), "landing", "clickstream/events-0003.jsonl")
    dbt_build(tmp_path, s3_endpoint, glob)

    result = loads(tmp_path / "s3.duckdb")
    assert [(file, lines) for file, lines, _ in result] == [
        ("s3://landing/clickstream/events-0002.jsonl", 3),
        ("s3://landing/clickstream/events-0003.jsonl", 6),
    ]
    # Each file was read by one run.
    assert [runs for *_, runs in result] == [1, 1]
