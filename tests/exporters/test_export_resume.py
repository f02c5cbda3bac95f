"""Kill -9 in the middle of a run: nothing lost, nothing sent twice but the
batch that was in flight (an idempotent upsert of the same endpoints)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import endpoint, state_rows

HERE = Path(__file__).parent
ACCEPTED = {"MessageBody": {"Message": "Accepted", "RequestID": "req"}}


def test_a_killed_run_resumes_with_only_what_is_left(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(350)])
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    child = subprocess.run(
        [sys.executable, str(HERE / "kill_runner.py"), str(warehouse.path),
         str(tmp_path / "state.duckdb"), "4", "3"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert child.returncode == -9, child.stderr  # SIGKILL, no cleanup ran
    # Batches 1 and 2 were recorded; batch 3 was accepted but not recorded.
    assert state_rows(tmp_path, "select count(*) from synced_rows") == [(200,)]
    assert state_rows(tmp_path, "select status from runs") == [("running",)]

    stub = stubs["pinpoint"]
    stub.add_response("update_endpoints_batch", ACCEPTED)
    stub.add_response("update_endpoints_batch", ACCEPTED)
    stub.add_response("get_segments", {"SegmentsResponse": {"Item": []}})
    report = run_export("pinpoint")

    stubs.assert_done()
    sent = [item["Id"] for call in stubs.of("UpdateEndpointsBatch")
            for item in call["EndpointBatchRequest"]["Item"]]
    assert sent == [f"ep{n:05d}" for n in range(200, 350)]
    assert report.counts.added == 150 and report.counts.unchanged == 200
    assert state_rows(tmp_path, "select count(*) from synced_rows") == [(350,)]
    assert state_rows(tmp_path, "select status from runs order by started_at") == [
        ("interrupted",), ("succeeded",)]


def test_an_interrupted_run_is_recorded(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(150)])
    stub = stubs["pinpoint"]
    stub.add_response("update_endpoints_batch", ACCEPTED)
    stub.add_response("update_endpoints_batch", ACCEPTED)  # never reached
    client = stubs.clients["pinpoint"]
    calls: list[int] = []

    def interrupt(**_: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    client.meta.events.register("before-parameter-build.pinpoint.UpdateEndpointsBatch", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_export("pinpoint")
    assert state_rows(tmp_path, "select status, rows_added from runs") == [
        ("interrupted", 100)]
    assert state_rows(tmp_path, "select count(*) from synced_rows") == [(100,)]
