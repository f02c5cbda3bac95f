"""Upload files are read from an s3:// glob through DuckDB httpfs (moto's S3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "uploads"
DBT = Path(sys.executable).with_name("dbt")

pytestmark = pytest.mark.e2e


def test_build_reads_an_s3_glob(s3_endpoint, tmp_path):
    s3 = boto3.client("s3", endpoint_url=f"http://{s3_endpoint}")
    s3.create_bucket(Bucket="landing")
    for path in sorted(FIXTURE.glob("*.csv")):
        s3.upload_file(str(path), "landing", f"uploads/{path.name}")
    s3.put_object(Bucket="landing", Key="elsewhere/ignored.csv", Body=b"x\n1\n")

    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "RFM_DUCKDB_PATH": str(tmp_path / "s3.duckdb"),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp_path / "spill"),
        "RFM_S3_ENDPOINT": s3_endpoint,
        "RFM_S3_URL_STYLE": "path",
        "RFM_S3_USE_SSL": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            str(DBT), "build", "--no-partial-parse",
            "--select", "+stg_uploads__events", "+rejected_events",
            # Only tests wholly within the selection (not the clickstream marts').
            "--indirect-selection", "cautious",
            "--target-path", str(tmp_path / "target"),
            "--log-path", str(tmp_path / "logs"),
            # The clickstream glob matches nothing (not the repo's data/).
            "--vars", "{raw_events_path: 's3://landing/uploads/*.csv',"
            f" clickstream_path: '{tmp_path}/no-clickstream/*.jsonl'}}",
        ],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]

    con = duckdb.connect(str(tmp_path / "s3.duckdb"), read_only=True)
    try:
        files = con.execute(
            "select source_file, count(*) from stg_uploads__events group by 1 order by 1"
        ).fetchall()
        rejected = con.execute("select count(*) from rejected_events").fetchone()[0]
    finally:
        con.close()
    assert files == [
        ("s3://landing/uploads/a.csv", 8),
        ("s3://landing/uploads/b.csv", 1),
    ]
    assert rejected == 7
