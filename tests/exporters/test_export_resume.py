"""Kill -9 in the middle of a run: nothing lost, nothing sent twice but the
batch that was in flight (an idempotent upsert of the same endpoints)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from export_fixtures import endpoint, run_killed, state_rows

ACCEPTED = {"MessageBody": {"Message": "Accepted", "RequestID": "req"}}


def test_a_killed_run_resumes_with_only_what_is_left(
    warehouse: Any, fakes: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(350)])
    child = run_killed(tmp_path, "pinpoint", ("pinpoint", "UpdateEndpointsBatch", 3))
    assert child.returncode == -9, child.stderr  # SIGKILL, no cleanup ran
    # Batches 1 and 2 were recorded; batch 3 was accepted but not recorded.
    assert state_rows(tmp_path, "select count(*) from synced_rows") == [(200,)]
    assert state_rows(tmp_path, "select status from runs") == [("running",)]

    service = fakes("pinpoint")
    service.save_to(tmp_path / "fake-pinpoint.json")
    assert len(service.endpoints) == 300
    report = run_export("pinpoint")

    sent = [item["Id"] for call in fakes("pinpoint").stubs.of("UpdateEndpointsBatch")
            for item in call["EndpointBatchRequest"]["Item"]]
    assert sent == [f"ep{n:05d}" for n in range(200, 350)]
    assert report.counts.added == 150 and report.counts.unchanged == 200
    assert state_rows(tmp_path, "select count(*) from synced_rows") == [(350,)]
    assert state_rows(tmp_path, "select status from runs order by started_at") == [
        ("interrupted",), ("succeeded",)]
    # The batch in flight went twice, to an upsert by Id: each endpoint once.
    assert sorted(service.endpoints) == [f"ep{n:05d}" for n in range(350)]
    twice = {key for key, count in service.deliveries("endpoint:").items() if count > 1}
    assert twice == {f"ep{n:05d}" for n in range(200, 300)}
    assert service.resent == []


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
