"""`dbt source freshness` on both feeds, from file modification times alone.

Each feed's `loaded_at_query` takes the newest `last_modified` in DuckDB's
listing of the glob (read_blob without its content column), so no row is read.
Thresholds are the vars `<feed>_freshness_{warn,error}_after_hours`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.test_pipeline_e2e import DBT, FIXTURE, REPO

pytestmark = pytest.mark.e2e

CLICKSTREAM = REPO / "tests" / "fixtures" / "clickstream" / "first_load"
HOUR = 3600


def land(tmp: Path, uploads_age_hours: float, clickstream_age_hours: float) -> Path:
    """A landing folder with files last modified that many hours ago."""
    landing = tmp / "landing"
    for source, folder, age in [
        (FIXTURE, "uploads", uploads_age_hours),
        (CLICKSTREAM, "clickstream", clickstream_age_hours),
    ]:
        (landing / folder).mkdir(parents=True)
        for file in sorted(source.iterdir()):
            shutil.copy(file, landing / folder / file.name)
        # One file older still: the newest file is the one that counts.
        newest, *older = sorted((landing / folder).iterdir())
        stamp = time.time() - age * HOUR
        os.utime(newest, (stamp, stamp))
        for file in older:
            os.utime(file, (stamp - 100 * HOUR, stamp - 100 * HOUR))
    return landing


def source_freshness(
    tmp: Path, uploads: str, clickstream: str, **thresholds: int | None
) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """Run `dbt source freshness`; return it and sources.json's result per source."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "RFM_DUCKDB_PATH": str(tmp / "rfm.duckdb"),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp / "spill"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    variables = {
        "raw_events_path": uploads, "clickstream_path": clickstream, **thresholds
    }
    result = subprocess.run(
        [
            str(DBT), "source", "freshness", "--no-partial-parse",
            "--target-path", str(tmp / "target"),
            "--log-path", str(tmp / "logs"),
            "--vars", json.dumps(variables),
        ],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout[-4000:]
    sources = json.loads((tmp / "target" / "sources.json").read_text(encoding="utf-8"))
    by_source = {
        r["unique_id"].removeprefix("source.rfm."): r for r in sources["results"]
    }
    return result, by_source


def age_hours(result: dict) -> float:
    loaded = datetime.fromisoformat(result["max_loaded_at"])
    return (datetime.now(timezone.utc) - loaded).total_seconds() / HOUR


def test_fresh_files_pass(tmp_path):
    landing = land(tmp_path, uploads_age_hours=0, clickstream_age_hours=0)
    result, sources = source_freshness(
        tmp_path, f"{landing}/uploads/*.csv", f"{landing}/clickstream/*.jsonl"
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert {name: r["status"] for name, r in sources.items()} == {
        "uploads.events": "pass",
        "clickstream.events": "pass",
    }
    assert all(age_hours(r) < 0.5 for r in sources.values())


def test_old_files_warn_per_the_thresholds(tmp_path):
    # Uploads 30 h old: past the default warn (26 h), before the error (50 h).
    # Clickstream 8 h old: past its default warn (6 h), not past 12 h set here.
    landing = land(tmp_path, uploads_age_hours=30, clickstream_age_hours=8)
    result, sources = source_freshness(
        tmp_path,
        f"{landing}/uploads/*.csv",
        f"{landing}/clickstream/*.jsonl",
        clickstream_freshness_warn_after_hours=12,
    )
    # A warning alone does not fail the command.
    assert result.returncode == 0, result.stdout[-4000:]
    uploads, clickstream = sources["uploads.events"], sources["clickstream.events"]
    assert (uploads["status"], clickstream["status"]) == ("warn", "pass")
    assert 29.9 < age_hours(uploads) < 30.1
    assert 7.9 < age_hours(clickstream) < 8.1
    assert uploads["criteria"]["warn_after"] == {"count": 26, "period": "hour"}
    assert clickstream["criteria"]["warn_after"] == {"count": 12, "period": "hour"}


def test_stale_files_and_a_feed_with_no_file_are_errors(tmp_path):
    landing = land(tmp_path, uploads_age_hours=30, clickstream_age_hours=0)
    result, sources = source_freshness(
        tmp_path,
        f"{landing}/uploads/*.csv",
        f"{tmp_path}/not-landed-yet/*.jsonl",
        uploads_freshness_warn_after_hours=None,
        uploads_freshness_error_after_hours=24,
    )
    assert result.returncode == 1, result.stdout[-4000:]
    uploads, clickstream = sources["uploads.events"], sources["clickstream.events"]
    assert (uploads["status"], clickstream["status"]) == ("error", "error")
    assert uploads["criteria"]["error_after"] == {"count": 24, "period": "hour"}
    # No matching file reads as never loaded.
    assert clickstream["max_loaded_at"].startswith("0001-01-01")
    assert "ERROR STALE freshness of clickstream.events" in result.stdout
