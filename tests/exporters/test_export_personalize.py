"""Personalize destination: streaming APIs, bulk import jobs, limits, ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import (
    BUCKET,
    GROUP_ARN,
    ROLE_ARN,
    TRACKING_ID,
    interaction,
    item,
    state_rows,
    user,
)

from exporters import personalize
from exporters.errors import EXIT_PARTIAL, ConfigError, DestinationError

DATASET_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset/rfm/{}"


def interactions(users: int, per_session: int, days: int = 1) -> list[dict[str, Any]]:
    return [interaction(u, k, day) for u in range(users) for day in range(days)
            for k in range(per_session)]


def test_dataset_arns_derive_from_the_dataset_group() -> None:
    from exporters.config import PersonalizeOptions

    options = PersonalizeOptions(dataset_group_arn=GROUP_ARN)
    assert options.dataset_arn("interactions") == DATASET_ARN.format("INTERACTIONS")


def test_api_mode_batches_within_limits_and_groups_events_by_session(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("personalize_items", [item(n) for n in range(12)])
    warehouse.set("personalize_users", [user(n) for n in range(21)])
    # user 0: 23 events in one session (-> 10, 10, 3); users 1-2: 4 per day, 2 days.
    rows = interactions(1, 23) + [interaction(u, k, d) for u in (1, 2) for d in (0, 1)
                                  for k in range(4)]
    warehouse.set("personalize_interactions", rows)
    stub = stubs["personalize-events"]
    for _ in range(2):
        stub.add_response("put_items", {})
    for _ in range(3):
        stub.add_response("put_users", {})
    for _ in range(3 + 4):
        stub.add_response("put_events", {})

    report = run_export("personalize")

    stubs.assert_done()
    assert [len(c["items"]) for c in stubs.of("PutItems")] == [10, 2]
    assert [len(c["users"]) for c in stubs.of("PutUsers")] == [10, 10, 1]
    events = stubs.of("PutEvents")
    assert [len(c["eventList"]) for c in events] == [10, 10, 3, 4, 4, 4, 4]
    assert all(c["trackingId"] == TRACKING_ID for c in events)
    for call in events:
        sessions = {e["eventId"].rsplit("-", 1)[0] for e in call["eventList"]}
        assert len(sessions) == 1  # one user's session per call
        assert call["sessionId"].startswith(call["userId"])
    first = events[0]["eventList"][0]
    assert first == {"eventId": "ev-0-0-0", "eventType": "purchased", "itemId": "P000",
                     "sentAt": datetime(2024, 1, 1, tzinfo=UTC)}
    assert stubs.of("PutUsers")[0]["datasetArn"] == DATASET_ARN.format("USERS")
    assert json.loads(stubs.of("PutUsers")[0]["users"][0]["properties"]) == {
        "clusterId": "1", "fScore": "4", "mScore": "5", "rScore": "5",
        "rfmScore": "545", "rfmSegment": "Champions"}
    assert json.loads(stubs.of("PutItems")[0]["items"][0]["properties"]) == {
        "creationTimestamp": 1672531200, "priceBand": "25_to_50", "unitPrice": 30.5}
    assert report.counts.added == 12 + 21 + len(rows)

    # Nothing changed: no call at all.
    stubs.calls.clear()
    report = run_export("personalize")
    assert stubs.calls == [] and report.counts.unchanged == 12 + 21 + len(rows)


def test_events_resent_after_a_crash_carry_the_same_event_ids(
    warehouse: Any, stubs: Any, run_export: Any
) -> None:
    warehouse.set("personalize_interactions", interactions(3, 2))
    stub = stubs["personalize-events"]
    stub.add_response("put_events", {})
    stub.add_client_error("put_events", "AccessDeniedException", "no", http_status_code=403)
    with pytest.raises(DestinationError):
        run_export("personalize", datasets="interactions")
    first_ids = [e["eventId"] for c in stubs.of("PutEvents") for e in c["eventList"]]

    stubs.calls.clear()
    for _ in range(2):
        stub.add_response("put_events", {})
    run_export("personalize", datasets="interactions")
    resent = [e["eventId"] for c in stubs.of("PutEvents") for e in c["eventList"]]
    # The accepted session is not sent again; the refused one keeps its ids.
    assert first_ids[:2] == ["ev-0-0-0", "ev-0-0-1"]
    assert resent == first_ids[2:] + ["ev-2-0-0", "ev-2-0-1"]


def test_a_refused_event_is_isolated_and_recorded(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("personalize_interactions", interactions(1, 3))
    stub = stubs["personalize-events"]
    # [0,1,2] refused -> [0] ok, [1,2] refused -> [1] refused, [2] ok.
    for outcome in ("refused", "ok", "refused", "refused", "ok"):
        if outcome == "ok":
            stub.add_response("put_events", {})
        else:
            stub.add_client_error("put_events", "InvalidInputException", "bad item",
                                  http_status_code=400)
    report = run_export("personalize", datasets="interactions")
    stubs.assert_done()
    assert report.exit_code == EXIT_PARTIAL
    assert state_rows(tmp_path, "select primary_key, error_code from rejects") == [
        ("ev-0-0-1", "InvalidInputException")
    ]


def test_bulk_full_import_uploads_three_csvs_and_waits_for_the_jobs(
    warehouse: Any, stubs: Any, s3: Any, run_export: Any, tmp_path: Path
) -> None:
    rows = interactions(100, 10)
    warehouse.set("personalize_interactions", rows)
    warehouse.set("personalize_users", [user(n) for n in range(100)])
    warehouse.set("personalize_items", [item(n) for n in range(5)])
    stub = stubs["personalize"]
    for dataset in ("interactions", "users", "items"):
        stub.add_response(
            "create_dataset_import_job",
            {"datasetImportJobArn": f"arn:aws:personalize:us-east-1:123456789012:"
                                    f"dataset-import-job/{dataset}"},
        )
    for dataset in ("interactions", "users", "items"):
        arn = f"arn:aws:personalize:us-east-1:123456789012:dataset-import-job/{dataset}"
        stub.add_response("describe_dataset_import_job",
                          {"datasetImportJob": {"status": "CREATE IN_PROGRESS"}},
                          {"datasetImportJobArn": arn})
        stub.add_response("describe_dataset_import_job",
                          {"datasetImportJob": {"status": "ACTIVE"}},
                          {"datasetImportJobArn": arn})

    report = run_export("personalize", mode="bulk", wait=True)

    stubs.assert_done()
    jobs = stubs.of("CreateDatasetImportJob")
    assert [j["datasetArn"] for j in jobs] == [
        DATASET_ARN.format(name) for name in ("INTERACTIONS", "USERS", "ITEMS")]
    assert all(j["importMode"] == "FULL" and j["roleArn"] == ROLE_ARN for j in jobs)
    assert all(len(j["jobName"]) <= 63 for j in jobs)
    key = jobs[0]["dataSource"]["dataLocation"].removeprefix(f"s3://{BUCKET}/")
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    assert body.splitlines()[0] == "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"
    assert body.splitlines()[1] == "C00000,P000,1704067200,purchased"
    assert len(body.splitlines()) == 1001
    assert report.counts.added == 1000 + 100 + 5 and report.status == "succeeded"
    assert state_rows(tmp_path, "select count(*) from synced_rows") == [(1105,)]


def test_bulk_refuses_fewer_than_1000_interactions_before_uploading(
    warehouse: Any, stubs: Any, s3: Any, run_export: Any
) -> None:
    warehouse.set("personalize_interactions", interactions(10, 5))
    with pytest.raises(ConfigError, match="at least 1000 interactions"):
        run_export("personalize", mode="bulk")
    assert stubs.calls == []
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_a_failed_import_job_reports_its_reason_and_releases_the_rows(
    warehouse: Any, stubs: Any, s3: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("personalize_users", [user(n) for n in range(3)])
    stub = stubs["personalize"]
    arn = "arn:aws:personalize:us-east-1:123456789012:dataset-import-job/users"
    stub.add_response("create_dataset_import_job", {"datasetImportJobArn": arn})
    stub.add_response("describe_dataset_import_job", {"datasetImportJob": {
        "status": "CREATE FAILED", "failureReason": "Column RFM_SEGMENT missing"}})
    with pytest.raises(DestinationError, match="Column RFM_SEGMENT missing"):
        run_export("personalize", mode="bulk", wait=True, datasets="users")
    assert state_rows(tmp_path, "select count(*) from synced_rows") == [(0,)]
    assert state_rows(tmp_path, "select count(*) from pending_rows") == [(0,)]
    assert state_rows(tmp_path, "select status from runs") == [("failed",)]


def test_put_events_request_enforces_the_limits() -> None:
    rows = interactions(1, 11)
    with pytest.raises(ValueError, match="1..10"):
        personalize.put_events_request(TRACKING_ID, rows)
    with pytest.raises(ValueError, match="one user"):
        personalize.put_events_request(TRACKING_ID, [interaction(0, 1), interaction(1, 1)])
    batches = list(personalize.session_batches(rows))
    assert [len(b) for b in batches] == [10, 1]


def test_schema_field_order_is_the_csv_header_order() -> None:
    for dataset in personalize.DATASETS:
        schema = personalize.avro_schema(dataset)
        assert [f["name"] for f in schema["fields"]] == personalize.csv_header(dataset)
    users = personalize.avro_schema("users")
    assert all(f.get("categorical") for f in users["fields"][1:])
    assert personalize.job_name("interactions", "20261124T010203-abc") == (
        "rfm-interactions-20261124T010203-abc")
