"""A load too big for memory is batched or streams, to exactly the same rows.

base_uploads__events loads files in batches that fit in an eighth of DuckDB's
memory_limit, each in a statement of its own, and keeps a batch's rows in
memory (to parse them on every core); a file over a third of the limit is
numbered and parsed as it streams. One batch, several, or streamed: all must
stage the same rows with the same file, row number, reason and values, and a
changed file in a later batch must replace its rows.
"""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.test_pipeline_e2e import DBT, dbt_build

SAMPLE_DATA = DBT.with_name("rfm-sample-data")

COMPILED = "compiled/rfm/models/staging/uploads/base_uploads__events.sql"


def build(
    run: Path, uploads: Path, memory_limit: str, monkeypatch, *args: str
) -> tuple[Path, str, str]:
    """base_uploads__events alone, with DuckDB's memory_limit set."""
    monkeypatch.setenv("RFM_DUCKDB_MEMORY_LIMIT", memory_limit)
    result = dbt_build(
        run, {"raw_events_path": f"{uploads}/*.csv"},
        "--select", "base_uploads__events",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
        *args,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return run / "rfm.duckdb", (run / "target" / COMPILED).read_text(), result.stdout


COLUMNS = (
    "source_file, source_row_number, rejection_reason, raw_values,"
    " row_fingerprint, customer_id, event_at, unit_price, quantity, address"
)


def differences(one: Path, other: Path) -> tuple[int, int, int]:
    """Rows in one and other, and rows in only one of them (as multisets)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{one}' as one (read_only)")
        con.execute(f"attach '{other}' as other (read_only)")
        return con.execute(
            "select (select count(*) from one.base_uploads__events),"
            " (select count(*) from other.base_uploads__events),"
            " (select count(*) from ("
            f"  (select {COLUMNS} from one.base_uploads__events"
            f"   except all select {COLUMNS} from other.base_uploads__events)"
            "  union all"
            f"  (select {COLUMNS} from other.base_uploads__events"
            f"   except all select {COLUMNS} from one.base_uploads__events)))"
        ).fetchone()
    finally:
        con.close()


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


def test_a_load_too_big_for_memory_is_batched_or_streams_to_the_same_rows(
    tmp_path, uploads, monkeypatch
):
    # 8GB: both files in one kept batch; 150MB: a kept batch per file (an
    # eighth is 18.75 MB, a file 22 MB); 60MB: each file streams (a third is
    # 20 MB).
    kept, kept_sql, kept_log = build(tmp_path / "kept", uploads, "8GB", monkeypatch)
    batched, batched_sql, batched_log = build(
        tmp_path / "batched", uploads, "150MB", monkeypatch
    )
    streamed, streamed_sql, _ = build(tmp_path / "streamed", uploads, "60MB", monkeypatch)
    first, second = sorted(uploads.glob("*.csv"))
    assert "source as materialized (" in kept_sql
    assert str(second) in kept_sql and "loading batch" not in kept_log
    assert "source as materialized (" in batched_sql
    assert str(first) in batched_sql and str(second) not in batched_sql
    assert "loading batch 2 of 2, 1 file(s)" in batched_log
    assert "source as (" in streamed_sql

    con = duckdb.connect(str(kept), read_only=True)
    try:
        rejected = con.execute(
            "select count(*) from base_uploads__events where rejection_reason is not null"
        ).fetchone()[0]
    finally:
        con.close()
    assert rejected > 0
    for other in (batched, streamed):
        rows, other_rows, different = differences(kept, other)
        assert rows == other_rows > 200_000
        assert different == 0

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


def test_changed_files_in_later_batches_replace_their_rows(tmp_path, uploads, monkeypatch):
    landing = tmp_path / "uploads"
    shutil.copytree(uploads, landing)
    batched, _, _ = build(tmp_path / "batched", landing, "150MB", monkeypatch)

    # Both files change: the first is reloaded by the model's own query, the
    # second by the post-hook, which must delete its earlier rows first.
    for path in sorted(landing.glob("*.csv")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:-1000]), encoding="utf-8")
    _, _, log = build(tmp_path / "batched", landing, "150MB", monkeypatch)
    assert "loading batch 2 of 2, 1 file(s)" in log
    fresh, _, _ = build(tmp_path / "fresh", landing, "8GB", monkeypatch)

    rows, fresh_rows, different = differences(batched, fresh)
    assert rows == fresh_rows > 190_000
    assert different == 0

    # And a run with nothing new loads nothing.
    _, _, log = build(tmp_path / "batched", landing, "150MB", monkeypatch)
    assert "loading batch" not in log
    assert differences(batched, fresh) == (rows, rows, 0)

    # A --full-refresh over the table builds aside and swaps it in before
    # the post-hook runs: the hook must add to the new table, not the old.
    _, _, log = build(
        tmp_path / "batched", landing, "150MB", monkeypatch, "--full-refresh"
    )
    assert "loading batch 2 of 2, 1 file(s)" in log
    assert differences(batched, fresh) == (rows, rows, 0)


def test_a_batch_that_fails_loads_nothing_and_keeps_what_was_loaded(
    tmp_path, uploads, monkeypatch
):
    """The post-hook's batches run in the model's transaction: when one
    fails, the run's earlier batches go too, and earlier runs' rows stay."""
    monkeypatch.setenv("RFM_DUCKDB_MEMORY_LIMIT", "150MB")
    first, second = sorted(uploads.glob("*.csv"))
    landing = tmp_path / "uploads"
    landing.mkdir()
    shutil.copy(first, landing / "a.csv")
    run = tmp_path / "run"
    utf8 = {"raw_events_path": f"{landing}/*.csv", "upload_encoding": "utf-8"}
    only_uploads = (
        "--select", "base_uploads__events",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
    )
    result = dbt_build(run, utf8, *only_uploads)
    assert result.returncode == 0, result.stdout[-4000:]

    def files_and_rows() -> list[tuple[str, int]]:
        con = duckdb.connect(str(run / "rfm.duckdb"), read_only=True)
        try:
            return con.execute(
                "select source_file, count(*) from base_uploads__events"
                " group by 1 order by 1"
            ).fetchall()
        finally:
            con.close()

    loaded = files_and_rows()
    assert [Path(name).name for name, _ in loaded] == ["a.csv"]

    # b.csv loads in the model's own query, c.csv in the post-hook, where a
    # byte that is not UTF-8 fails the read (the encoding is forced).
    shutil.copy(second, landing / "b.csv")
    data = first.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    (landing / "c.csv").write_bytes(data[:cut] + b"caf\xe9" + data[cut:])
    result = dbt_build(run, utf8, *only_uploads)
    assert result.returncode != 0
    assert "loading batch 2 of 2" in result.stdout
    assert "c.csv" in result.stdout
    assert files_and_rows() == loaded
