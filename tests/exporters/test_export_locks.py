"""The exporter and a running `dbt build`: dbt-duckdb holds the warehouse
file's write lock for the whole build. The exporter waits for it (up to
--lock-timeout), reads every mart of a run from one snapshot, and lets go of
the file before it sends anything, so the next build can start."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from export_fixtures import audiences, endpoint

from exporters.cli import cli
from exporters.errors import EXIT_DESTINATION, EXIT_OK

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # read-write, as dbt-duckdb holds it
print("locked", flush=True)
sys.stdin.readline()
con.close()
print("released", flush=True)
sys.stdin.readline()
"""


class Holder:
    """A process holding a DuckDB file's write lock until `release()`."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )
        assert self.process.stdout is not None and self.process.stdin is not None
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "released"

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture
def hold() -> Iterator[Any]:
    holders: list[Holder] = []

    def start(path: Path) -> Holder:
        holders.append(Holder(path))
        return holders[-1]

    yield start
    for holder in holders:
        holder.stop()


def dry_run(warehouse: Any, tmp_path: Path, *flags: str) -> Any:
    return CliRunner().invoke(cli, [
        "pinpoint", "--dry-run", "--output-dir", str(tmp_path / "out"), "--warehouse",
        str(warehouse.path), "--state-path", str(tmp_path / "s.duckdb"), *flags])


def test_the_export_waits_for_a_build_then_reads_the_finished_marts(
    warehouse: Any, hold: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(5)])
    holder = hold(warehouse.path)
    timer = threading.Timer(1.0, holder.release)
    started = time.monotonic()
    timer.start()
    try:
        result = dry_run(warehouse, tmp_path, "--lock-timeout", "30")
    finally:
        timer.join()
    waited = time.monotonic() - started

    assert result.exit_code == EXIT_OK, result.output + result.stderr
    assert waited >= 1.0
    waiting = [line for line in result.stderr.splitlines() if "waiting" in line]
    assert len(waiting) == 1  # one plain line, however long the wait
    assert f"holds the warehouse file {warehouse.path}; waiting up to 30s" in waiting[0]
    assert f"wrote {tmp_path}/out/pinpoint/endpoints.csv: 5 rows" in result.output


def test_a_build_that_does_not_finish_in_time_is_one_plain_line_and_exit_3(
    warehouse: Any, hold: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold(warehouse.path)
    monkeypatch.setenv("RFM_EXPORT_LOCK_TIMEOUT", "0.5")
    started = time.monotonic()
    result = dry_run(warehouse, tmp_path)
    assert 0.5 <= time.monotonic() - started < 10
    assert result.exit_code == EXIT_DESTINATION
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: another process (a `dbt build`?) holds the warehouse file {warehouse.path};"
        " gave up after 0.5s (--lock-timeout); rerun when it has finished"]
    assert "Traceback" not in result.stderr and "IOException" not in result.stderr


def test_a_state_file_held_by_another_run_is_waited_for_too(
    warehouse: Any, hold: Any, tmp_path: Path
) -> None:
    state = tmp_path / "s.duckdb"
    duckdb.connect(str(state)).close()
    hold(state)
    result = dry_run(warehouse, tmp_path, "--lock-timeout", "0.2")
    assert result.exit_code == EXIT_DESTINATION
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: another rfm-export run holds the state file {state}; gave up after 0.2s"
        " (--lock-timeout); rerun when it has finished")


REBUILD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # the next dbt build, while the export sends
con.execute("update main.pinpoint_endpoints set rfm_segment = 'Rebuilt'")
con.execute("update main.rfm_audiences set attribute_value = 'Rebuilt'")
con.close()
"""


def test_one_run_reads_one_build_and_a_build_can_start_while_it_sends(
    warehouse: Any, fakes: Any, run_export: Any
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(250)])
    warehouse.set("rfm_audiences", audiences(clusters=1))
    service = fakes("pinpoint")
    builds: list[subprocess.CompletedProcess[str]] = []

    def rebuild(**_: Any) -> None:
        if not builds:  # during the first batch
            builds.append(subprocess.run(
                [sys.executable, "-c", REBUILD, str(warehouse.path)],
                capture_output=True, text=True, timeout=60))

    service.stubs.client("pinpoint").meta.events.register(
        "before-parameter-build.pinpoint.UpdateEndpointsBatch", rebuild)

    report = run_export("pinpoint")

    assert builds[0].returncode == 0, builds[0].stderr  # the build was not locked out
    assert report.exit_code == EXIT_OK and service.calls["UpdateEndpointsBatch"] == 3
    # Every batch and every segment came from the snapshot taken before.
    assert "Rebuilt" not in {view["rfm_segment"] for view in service.endpoints.values()}
    dimensions = [segment["Dimensions"] for segment in service.data["segments"].values()]
    assert len(dimensions) == 5 and "Rebuilt" not in repr(dimensions)

    report = run_export("pinpoint")  # the next run sends the new build

    assert report.counts.changed == 250
    assert {view["rfm_segment"] for view in service.endpoints.values()} == {"Rebuilt"}
    assert "Rebuilt" in repr([s["Dimensions"] for s in service.data["segments"].values()])
