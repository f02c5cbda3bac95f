"""A load too big for memory streams, and numbers rows exactly as in memory.

base_uploads__events keeps a load's rows in memory (to parse them on every
core) only when its files fit in a third of DuckDB's memory_limit; a bigger load
is numbered and parsed as it streams, file by file. Both must stage the same
rows with the same file, row number, reason and values.
"""

from __future__ import annotations

import csv
import random
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.test_pipeline_e2e import DBT, dbt_build

SAMPLE_DATA = DBT.with_name("rfm-sample-data")

COMPILED = "compiled/rfm/models/staging/uploads/base_uploads__events.sql"


def build(run: Path, uploads: Path, memory_limit: str, monkeypatch) -> tuple[Path, str]:
    """base_uploads__events alone, with DuckDB's memory_limit set."""
    monkeypatch.setenv("RFM_DUCKDB_MEMORY_LIMIT", memory_limit)
    result = dbt_build(
        run, {"raw_events_path": f"{uploads}/*.csv"},
        "--select", "base_uploads__events",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return run / "rfm.duckdb", (run / "target" / COMPILED).read_text()


@pytest.fixture(scope="module")
def uploads(tmp_path_factory) -> Path:
    """Two files of about 22 MB with 5% malformed rows."""
    out = tmp_path_factory.mktemp("streaming")
    subprocess.run(
        [
            str(SAMPLE_DATA), "--events", "200000", "--clickstream-events", "0",
            "--dirty", "0.05", "--files", "2", "--out", str(out),
        ],
        check=True, capture_output=True,
    )
    return out / "uploads"


def test_a_load_too_big_for_memory_streams_to_the_same_rows(tmp_path, uploads, monkeypatch):
    kept, kept_sql = build(tmp_path / "kept", uploads, "8GB", monkeypatch)
    streamed, streamed_sql = build(tmp_path / "streamed", uploads, "100MB", monkeypatch)
    assert "source as materialized (" in kept_sql
    assert "source as (" in streamed_sql

    con = duckdb.connect()
    try:
        con.execute(f"attach '{kept}' as kept (read_only)")
        con.execute(f"attach '{streamed}' as streamed (read_only)")
        columns = (
            "source_file, source_row_number, rejection_reason, raw_values,"
            " row_fingerprint, customer_id, event_at, unit_price, quantity, address"
        )
        counts = con.execute(
            "select (select count(*) from kept.base_uploads__events),"
            " (select count(*) from streamed.base_uploads__events),"
            " (select count(*) from kept.base_uploads__events"
            "  where rejection_reason is not null)"
        ).fetchone()
        differences = con.execute(
            f"select count(*) from ("
            f" (select {columns} from kept.base_uploads__events"
            f"  except all select {columns} from streamed.base_uploads__events)"
            f" union all"
            f" (select {columns} from streamed.base_uploads__events"
            f"  except all select {columns} from kept.base_uploads__events))"
        ).fetchone()[0]
    finally:
        con.close()
    assert counts[0] == counts[1] > 200_000
    assert counts[2] > 0
    assert differences == 0

    # And the numbers are the rows' places in their files.
    con = duckdb.connect(str(streamed), read_only=True)
    try:
        for path in sorted(uploads.glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as handle:
                header, *rows = list(csv.reader(handle))
            column = header.index("CustomerID")
            staged = dict(con.execute(
                "select source_row_number, coalesce(customer_id,"
                " json_extract_string(raw_values, '$.raw_customer_id'))"
                " from base_uploads__events where source_file = ?",
                [str(path)],
            ).fetchall())
            picked = random.Random(7).sample(range(len(rows)), 500)
            wrong = [
                number + 1 for number in picked
                if len(rows[number]) > column
                and (staged.get(number + 1) or "").strip() != rows[number][column].strip()
            ]
            assert wrong == [], f"{path.name}: rows {wrong[:5]} hold other rows' values"
    finally:
        con.close()
