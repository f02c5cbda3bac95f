"""Pinpoint destination: api and bulk modes, diffing, segments, faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from export_fixtures import APP_ID, BUCKET, ROLE_ARN, audiences, endpoint, state_rows

from exporters import pinpoint
from exporters.errors import EXIT_OK, EXIT_PARTIAL, DestinationError

ACCEPTED = {"MessageBody": {"Message": "Accepted", "RequestID": "req"}}


def segment(segment_id: str, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "ApplicationId": APP_ID,
        "Arn": f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{APP_ID}"
               f"/segments/{segment_id}",
        "CreationDate": "2026-11-01T00:00:00Z",
        "Id": segment_id,
        "SegmentType": "DIMENSIONAL",
        "Name": request["Name"],
        "Dimensions": request["Dimensions"],
    }


def existing_segments(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [segment(f"seg{i}", pinpoint.segment_request(row)) for i, row in enumerate(rows)]


def expect_segments(stubs: Any, existing: list[dict[str, Any]], creates: int = 0,
                    updates: int = 0) -> None:
    stub = stubs["pinpoint"]
    stub.add_response("get_segments", {"SegmentsResponse": {"Item": existing}})
    for n in range(creates):
        stub.add_response("create_segment", {"SegmentResponse": segment(
            f"new{n}", {"Name": "x", "Dimensions": {}})})
    for _ in range(updates):
        stub.add_response("update_segment", {"SegmentResponse": segment(
            "upd", {"Name": "x", "Dimensions": {}})})


def sent_ids(stubs: Any) -> list[str]:
    return [item["Id"] for call in stubs.of("UpdateEndpointsBatch")
            for item in call["EndpointBatchRequest"]["Item"]]


def test_api_sends_new_rows_in_batches_of_at_most_100_then_only_changes(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(230)])
    warehouse.set("rfm_audiences", audiences())
    for _ in range(3):
        stubs["pinpoint"].add_response("update_endpoints_batch", ACCEPTED)
    expect_segments(stubs, [], creates=7)

    report = run_export("pinpoint")

    stubs.assert_done()
    batches = stubs.of("UpdateEndpointsBatch")
    assert [len(b["EndpointBatchRequest"]["Item"]) for b in batches] == [100, 100, 30]
    assert sorted(sent_ids(stubs)) == [f"ep{n:05d}" for n in range(230)]
    assert report.counts.added == 230 and report.exit_code == EXIT_OK
    created = [c["WriteSegmentRequest"]["Name"] for c in stubs.of("CreateSegment")]
    assert created == [row["audience_name"] for row in audiences()]

    # Second run: one row changed, one new; segments already exist and match.
    warehouse.set("pinpoint_endpoints",
                  [endpoint(n, rfm_segment="Champions") if n == 7 else endpoint(n)
                   for n in range(230)] + [endpoint(500)])
    stubs.calls.clear()
    stubs["pinpoint"].add_response("update_endpoints_batch", ACCEPTED)
    expect_segments(stubs, existing_segments(audiences()))

    report = run_export("pinpoint")

    stubs.assert_done()
    assert sorted(sent_ids(stubs)) == ["ep00007", "ep00500"]
    assert (report.counts.added, report.counts.changed, report.counts.unchanged) == (1, 1, 229)
    assert not stubs.of("CreateSegment") and not stubs.of("UpdateSegment")
    runs = state_rows(tmp_path, "select status, rows_added, rows_changed from"
                                " runs order by started_at")
    assert runs == [("succeeded", 230, 0), ("succeeded", 1, 1)]


def test_segments_are_updated_not_duplicated_and_mirror_deletes_strays(
    warehouse: Any, stubs: Any, run_export: Any
) -> None:
    warehouse.set("rfm_audiences", audiences(clusters=2))
    existing = existing_segments(audiences(clusters=3))
    existing[0]["Dimensions"] = {"UserAttributes": {"rfm_segment": {
        "AttributeType": "INCLUSIVE", "Values": ["Old name"]}}}
    existing.append(segment("other", {"Name": "Newsletter", "Dimensions": {}}))
    stub = stubs["pinpoint"]
    stub.add_response("get_segments", {"SegmentsResponse": {"Item": existing[:4],
                                                            "NextToken": "page2"}})
    stub.add_response("get_segments", {"SegmentsResponse": {"Item": existing[4:]}},
                      {"ApplicationId": APP_ID, "PageSize": "100", "Token": "page2"})
    stub.add_response("update_segment", {"SegmentResponse": existing[0]},
                      {"ApplicationId": APP_ID, "SegmentId": "seg0",
                       "WriteSegmentRequest": pinpoint.segment_request(audiences()[0])})
    stub.add_response("delete_segment", {"SegmentResponse": existing[6]},
                      {"ApplicationId": APP_ID, "SegmentId": "seg6"})

    report = run_export("pinpoint", mirror=True)

    stubs.assert_done()
    assert not stubs.of("CreateSegment")
    actions = {(step.action, step.name) for step in report.segments}
    assert ("update", "_RFM_Champions") in actions
    assert ("delete", "_RFM_Cluster_3") in actions
    assert not any(name == "Newsletter" for _, name in actions)


def test_plan_segments_keeps_the_oldest_of_duplicates() -> None:
    request = pinpoint.segment_request(audiences()[0])
    twins = [segment("b", request) | {"CreationDate": "2026-02-01T00:00:00Z"},
             segment("a", request) | {"CreationDate": "2026-01-01T00:00:00Z"}]
    assert pinpoint.plan_segments([request], twins, mirror=True) == [
        ("unchanged", "_RFM_Champions", "a", request)
    ]


def test_throttling_and_5xx_are_retried_with_backoff(
    warehouse: Any, stubs: Any, run_export: Any, no_sleep: Any
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(3)])
    stub = stubs["pinpoint"]
    stub.add_client_error("update_endpoints_batch", "TooManyRequestsException",
                          "Too many requests", http_status_code=429)
    stub.add_client_error("update_endpoints_batch", "InternalServerErrorException",
                          "oops", http_status_code=500)
    stub.add_response("update_endpoints_batch", ACCEPTED)
    expect_segments(stubs, [])

    report = run_export("pinpoint")

    stubs.assert_done()
    assert report.counts.added == 3 and report.counts.failed == 0
    assert len(stubs.of("UpdateEndpointsBatch")) == 3
    # Full jitter with random() = 0.5: 0.5 * 2**attempt seconds, doubling.
    assert 1.0 in no_sleep.slept and 2.0 in no_sleep.slept
    assert no_sleep.slept.index(1.0) < no_sleep.slept.index(2.0)


def test_throttling_past_every_retry_fails_the_run_and_keeps_earlier_batches(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(150)])
    stub = stubs["pinpoint"]
    stub.add_response("update_endpoints_batch", ACCEPTED)
    for _ in range(4):
        stub.add_client_error("update_endpoints_batch", "TooManyRequestsException",
                              "slow down", http_status_code=429)

    with pytest.raises(DestinationError, match="TooManyRequestsException"):
        run_export("pinpoint")

    stubs.assert_done()
    assert state_rows(tmp_path, "select status, rows_added from runs") == [
        ("failed", 100)
    ]
    synced = state_rows(tmp_path, "select count(*) from synced_rows")
    assert synced == [(100,)]


def test_partial_batch_failure_isolates_the_bad_row_and_retries_it_next_run(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    rows = [endpoint(n) for n in range(4)]
    warehouse.set("pinpoint_endpoints", rows)
    stub = stubs["pinpoint"]
    refusal = "Invalid address +64215550003 (like user9@example.com)"
    # [0,1,2,3] refused -> [0,1] ok, [2,3] refused -> [2] ok, [3] refused.
    for outcome in ("refused", "ok", "refused", "ok", "refused"):
        if outcome == "ok":
            stub.add_response("update_endpoints_batch", ACCEPTED)
        else:
            stub.add_client_error("update_endpoints_batch", "BadRequestException",
                                  refusal, http_status_code=400)
    expect_segments(stubs, [])

    report = run_export("pinpoint")

    stubs.assert_done()
    assert report.counts.added == 3 and report.counts.failed == 1
    assert report.exit_code == EXIT_PARTIAL and report.status == "partial"
    rejects = state_rows(tmp_path, "select primary_key, error_code, error_message"
                                   " from rejects")
    assert rejects == [
        ("ep00003", "BadRequestException", "Invalid address <redacted> (like <redacted>)")]

    stubs.calls.clear()
    stub.add_response("update_endpoints_batch", ACCEPTED)
    expect_segments(stubs, [])
    report = run_export("pinpoint")
    assert sent_ids(stubs) == ["ep00003"]
    assert report.counts.added == 1 and report.exit_code == EXIT_OK


def test_access_denied_is_a_destination_failure(
    warehouse: Any, stubs: Any, run_export: Any
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(1)])
    stubs["pinpoint"].add_client_error(
        "update_endpoints_batch", "ForbiddenException", "no", http_status_code=403
    )
    with pytest.raises(DestinationError, match="access denied"):
        run_export("pinpoint")


def test_mirror_deletes_endpoints_that_left_the_model(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(3)])
    stubs["pinpoint"].add_response("update_endpoints_batch", ACCEPTED)
    expect_segments(stubs, [])
    run_export("pinpoint")

    warehouse.set("pinpoint_endpoints", [endpoint(0)])
    stub = stubs["pinpoint"]
    expect_segments(stubs, [])
    stub.add_response("delete_endpoint", {"EndpointResponse": {}},
                      {"ApplicationId": APP_ID, "EndpointId": "ep00001"})
    stub.add_client_error("delete_endpoint", "NotFoundException", "gone",
                          http_status_code=404,
                          expected_params={"ApplicationId": APP_ID, "EndpointId": "ep00002"})

    report = run_export("pinpoint", mirror=True)

    stubs.assert_done()
    assert report.counts.removed == 2
    assert state_rows(tmp_path, "select primary_key from synced_rows"
                                " where model = 'pinpoint_endpoints'") == [("ep00000",)]


def test_bulk_uploads_the_csv_starts_the_import_and_waits(
    warehouse: Any, stubs: Any, s3: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(5)])
    stub = stubs["pinpoint"]
    job = {"ApplicationId": APP_ID, "CreationDate": "2026-11-24T00:00:00Z", "Id": "job1",
           "Type": "IMPORT", "Definition": {"Format": "CSV", "S3Url": "s3://x",
                                            "RoleArn": ROLE_ARN}}
    stub.add_response("create_import_job", {"ImportJobResponse": job | {"JobStatus": "CREATED"}})
    stub.add_response("get_import_job", {"ImportJobResponse": job | {"JobStatus": "PROCESSING"}})
    stub.add_response("get_import_job", {"ImportJobResponse": job | {
        "JobStatus": "COMPLETED", "TotalProcessed": 5, "TotalFailures": 0}})
    expect_segments(stubs, [])

    report = run_export("pinpoint", mode="bulk", wait=True)

    stubs.assert_done()
    request = stubs.of("CreateImportJob")[0]["ImportJobRequest"]
    assert request["Format"] == "CSV" and request["RoleArn"] == ROLE_ARN
    assert request["RegisterEndpoints"] is True
    key = request["S3Url"].removeprefix(f"s3://{BUCKET}/")
    assert key.startswith(f"exports/pinpoint/{report.run_id}/")
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    lines = body.splitlines()
    assert lines[0].split(",")[:3] == ["Id", "ChannelType", "Address"]
    assert len(lines) == 6 and "+64215550003" in body
    assert report.counts.added == 5 and report.status == "succeeded"
    assert state_rows(tmp_path, "select count(*) from synced_rows"
                                " where model = 'pinpoint_endpoints'") == [(5,)]


def test_bulk_without_wait_is_settled_by_the_next_run(
    warehouse: Any, stubs: Any, s3: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(5)])
    stub = stubs["pinpoint"]
    job = {"ApplicationId": APP_ID, "CreationDate": "2026-11-24T00:00:00Z", "Id": "job1",
           "Type": "IMPORT", "Definition": {"Format": "CSV", "S3Url": "s3://x",
                                            "RoleArn": ROLE_ARN}}
    stub.add_response("create_import_job", {"ImportJobResponse": job | {"JobStatus": "CREATED"}})
    expect_segments(stubs, [])
    report = run_export("pinpoint", mode="bulk")
    assert report.status == "submitted"

    # Next run: the job completed with a failure -> its rows are sent again.
    stub.add_response("get_import_job", {"ImportJobResponse": job | {
        "JobStatus": "COMPLETED", "TotalProcessed": 5, "TotalFailures": 1,
        "Failures": ["row 3: invalid"]}})
    stub.add_response("create_import_job", {"ImportJobResponse": job | {
        "Id": "job2", "JobStatus": "CREATED"}})
    expect_segments(stubs, [])
    report = run_export("pinpoint", mode="bulk")

    stubs.assert_done()
    assert report.counts.failed == 1
    assert report.diffs["pinpoint_endpoints"].to_send == 5
    assert state_rows(tmp_path, "select job_id from pending_jobs") == [("job2",)]


def test_chunk_items_respects_the_payload_limit() -> None:
    rows = [endpoint(n) for n in range(10)]
    chunks = list(pinpoint.chunk_items(rows, max_items=100, max_bytes=1200))
    assert all(len(chunk) <= 3 for chunk in chunks)
    assert sum(len(chunk) for chunk in chunks) == 10
