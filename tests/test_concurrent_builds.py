"""One DuckDB file, two writers: one waits or fails plainly; the file survives.

DuckDB lets one process write a database file at a time. The profile's
dbt-duckdb plugin (rfm_dbt/duckdb_lock_wait.py) waits up to RFM_DUCKDB_LOCK_WAIT_SECONDS
for another process's lock, then fails with a one-line message naming the file
and the process that holds it, instead of a Python traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.test_pipeline_e2e import DBT, REPO

pytestmark = pytest.mark.e2e

LOCKED = "is locked by"
# A separate process that holds a write connection until its stdin closes.
HOLD = (
    "import sys, duckdb\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """2,000 upload events; no clickstream file (those models build empty)."""
    out = tmp_path_factory.mktemp("sample")
    subprocess.run(
        [
            str(Path(sys.executable).with_name("rfm-sample-data")),
            "--events", "2000", "--clickstream-events", "0", "--out", str(out),
        ],
        check=True, capture_output=True,
    )
    return out


def dbt_build(
    database: Path, run: Path, sample: Path, wait_seconds: int, *args: str
) -> subprocess.Popen:
    """Start `dbt build` on `database`, with its own target and log folders.

    Unit tests are left out: they check SQL logic on fixed rows, not the file.
    """
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "RFM_DUCKDB_PATH": str(database),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(run / "spill"),
        "RFM_DUCKDB_LOCK_WAIT_SECONDS": str(wait_seconds),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    variables = (
        f"{{raw_events_path: '{sample}/uploads/*.csv',"
        f" clickstream_path: '{sample}/clickstream/*.jsonl'}}"
    )
    return subprocess.Popen(
        [
            str(DBT), "build", "--no-partial-parse", "--selector", "ci",
            "--exclude-resource-type", "unit_test",
            "--target-path", str(run / "target"),
            "--log-path", str(run / "logs"),
            "--vars", variables,
            *args,
        ],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def finish(process: subprocess.Popen) -> tuple[int, str]:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


def hold_write_lock(database: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=30)


def query(database: Path, sql: str):
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_two_builds_at_once_one_fails_plainly_and_the_file_survives(tmp_path, sample):
    database = tmp_path / "rfm.duckdb"
    first = dbt_build(database, tmp_path / "first", sample, 1)
    second = dbt_build(database, tmp_path / "second", sample, 1)
    results = {first.pid: finish(first), second.pid: finish(second)}

    succeeded = [pid for pid, (code, _) in results.items() if code == 0]
    assert len(succeeded) == 1, {pid: out[-3000:] for pid, (_, out) in results.items()}
    (winner,) = succeeded
    (loser_code, loser_output), = [r for pid, r in results.items() if pid != winner]
    assert loser_code != 0
    assert "Traceback" not in loser_output
    assert f"DuckDB file {database} {LOCKED}" in loser_output
    assert f"(PID {winner})" in loser_output
    assert "RFM_DUCKDB_LOCK_WAIT_SECONDS" in loser_output

    # The next run succeeds on the same file, and the marts are whole.
    code, output = finish(dbt_build(database, tmp_path / "third", sample, 30))
    assert code == 0, output[-4000:]
    customers = query(
        database,
        "select count(distinct CustomerID) from read_csv("
        f"'{sample}/uploads/*.csv', all_varchar = true)",
    )[0][0]
    assert customers == 100
    assert query(database, "select count(*) from customer_segments") == [(customers,)]
    summed = query(database, "select sum(customers) from segment_summary")
    assert summed == [(customers,)]


def test_a_held_file_fails_fast_with_a_plain_message(tmp_path, sample):
    database = tmp_path / "rfm.duckdb"
    holder = hold_write_lock(database)
    try:
        started = time.monotonic()
        code, output = finish(dbt_build(database, tmp_path / "run", sample, 2))
        elapsed = time.monotonic() - started
    finally:
        release(holder)

    assert code != 0
    assert "Traceback" not in output
    assert "waiting up to 2 s" in output
    assert f"DuckDB file {database} {LOCKED}" in output
    assert f"(PID {holder.pid}); gave up after waiting 2 s" in output
    # Parsing takes a few seconds; the wait itself is bounded at 2 s.
    assert elapsed < 60


def test_a_build_waits_for_a_lock_released_in_time(tmp_path, sample):
    database = tmp_path / "rfm.duckdb"
    holder = hold_write_lock(database)
    build = dbt_build(
        database, tmp_path / "run", sample, 120,
        "--select", "rfm_segment_rules", "--indirect-selection", "empty",
    )
    try:
        lines = []
        for line in build.stdout:
            lines.append(line)
            if "is locked by another process; waiting up to 120 s" in line:
                break
        assert lines and "waiting up to 120 s" in lines[-1], "".join(lines)[-3000:]
    finally:
        release(holder)

    code, rest = finish(build)
    assert code == 0, ("".join(lines) + rest)[-4000:]
    assert query(database, "select count(*) > 0 from rfm_segment_rules") == [(True,)]
