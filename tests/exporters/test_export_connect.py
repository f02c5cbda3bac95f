"""Connect Customer Profiles destination: upserts, segment definitions, bulk."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_fixtures import DOMAIN, audiences, profile, state_rows

from exporters import connect

PID = "{:032x}".format


def expect_definitions(stubs: Any, existing: list[str], creates: int = 0) -> None:
    stub = stubs["customer-profiles"]
    stub.add_response("list_segment_definitions", {
        "Items": [{"SegmentDefinitionName": name} for name in existing]})
    for _ in range(creates):
        stub.add_response("create_segment_definition", {"SegmentDefinitionName": "x"})


def test_api_creates_then_updates_by_recorded_profile_id(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("connect_profiles", [profile(1), profile(3)])
    warehouse.set("rfm_audiences", audiences(clusters=1))
    stub = stubs["customer-profiles"]
    stub.add_response("search_profiles", {"Items": []}, {
        "DomainName": DOMAIN, "KeyName": "_account", "Values": ["C00001"], "MaxResults": 2})
    stub.add_response("create_profile", {"ProfileId": PID(1)})
    # C00003 exists already (say, a crash after CreateProfile): found, updated.
    stub.add_response("search_profiles", {"Items": [{"ProfileId": PID(3)}]})
    stub.add_response("update_profile", {"ProfileId": PID(3)})
    expect_definitions(stubs, [], creates=5)

    report = run_export("connect")

    stubs.assert_done()
    created = stubs.of("CreateProfile")[0]
    assert created == {
        "DomainName": DOMAIN, "AccountNumber": "C00001",
        "EmailAddress": "user1@example.com",
        "Address": {"City": "Auckland", "State": "AUK", "Country": "NZL"},
        "Attributes": {"rfm_segment": "Loyal Customers", "rfm_score": "545", "r_score": "5",
                       "f_score": "4", "m_score": "5", "cluster_id": "2", "frequency": "2",
                       "monetary": "99.90", "first_order_date": "2023-01-02",
                       "last_order_date": "2024-05-01"},
    }
    updated = stubs.of("UpdateProfile")[0]
    assert updated["ProfileId"] == PID(3) and updated["MobilePhoneNumber"] == "+64215550003"
    assert updated["EmailAddress"] == ""  # cleared on update
    assert report.counts.added == 2
    definition = stubs.of("CreateSegmentDefinition")[0]
    assert definition["SegmentDefinitionName"] == "_RFM_Champions"
    assert definition["SegmentGroups"]["Groups"][0]["Dimensions"][0]["ProfileAttributes"] == {
        "Attributes": {"rfm_segment": {"DimensionType": "INCLUSIVE", "Values": ["Champions"]}}}
    assert state_rows(tmp_path, "select primary_key, external_id from synced_rows"
                                " where model = 'connect_profiles' order by 1") == [
        ("C00001", PID(1)), ("C00003", PID(3))]

    # C00001 changes segment: updated by its recorded id, no search, no create.
    warehouse.set("connect_profiles", [profile(1, rfm_segment="Lost"), profile(3)])
    stubs.calls.clear()
    stub.add_response("update_profile", {"ProfileId": PID(1)})
    expect_definitions(stubs, [row["audience_name"] for row in audiences(clusters=1)])
    report = run_export("connect")
    stubs.assert_done()
    assert [c["ProfileId"] for c in stubs.of("UpdateProfile")] == [PID(1)]
    assert stubs.of("UpdateProfile")[0]["Attributes"]["rfm_segment"] == "Lost"
    assert not stubs.of("SearchProfiles") and not stubs.of("CreateSegmentDefinition")
    assert (report.counts.changed, report.counts.unchanged) == (1, 1)


def test_changed_definition_is_recreated_and_mirror_deletes_gone_ones(
    warehouse: Any, stubs: Any, run_export: Any
) -> None:
    rows = audiences(clusters=1)
    warehouse.set("rfm_audiences", rows)
    stub = stubs["customer-profiles"]
    names = [row["audience_name"] for row in rows]
    stub.add_response("list_segment_definitions", {"Items": [
        {"SegmentDefinitionName": name} for name in [*names, "_RFM_Cluster_9", "VIPs"]]})
    for row in rows:  # not in state yet: each existing one is compared
        groups = connect.segment_groups(row)
        if row["audience_name"] == "_RFM_Lost":
            groups = connect.segment_groups(row | {"attribute_value": "Lost (old)"})
        stub.add_response("get_segment_definition", {
            "SegmentDefinitionName": row["audience_name"], "SegmentGroups": groups,
            "SegmentDefinitionArn": "arn:aws:profile:x"})
    stub.add_response("delete_segment_definition", {"Message": "ok"},
                      {"DomainName": DOMAIN, "SegmentDefinitionName": "_RFM_Lost"})
    stub.add_response("create_segment_definition", {"SegmentDefinitionName": "_RFM_Lost"})
    stub.add_response("delete_segment_definition", {"Message": "ok"},
                      {"DomainName": DOMAIN, "SegmentDefinitionName": "_RFM_Cluster_9"})

    report = run_export("connect", mirror=True)

    stubs.assert_done()
    actions = {(s.action, s.name) for s in report.segments}
    assert ("recreate", "_RFM_Lost") in actions and ("delete", "_RFM_Cluster_9") in actions
    assert ("unchanged", "_RFM_Champions") in actions
    assert not any(name == "VIPs" for _, name in actions)


def test_mirror_deletes_profiles_that_left_the_model(
    warehouse: Any, stubs: Any, run_export: Any
) -> None:
    warehouse.set("connect_profiles", [profile(1), profile(2)])
    stub = stubs["customer-profiles"]
    for n in (1, 2):
        stub.add_response("search_profiles", {"Items": []})
        stub.add_response("create_profile", {"ProfileId": PID(n)})
    expect_definitions(stubs, [])
    run_export("connect")

    warehouse.set("connect_profiles", [profile(1)])
    expect_definitions(stubs, [])
    stub.add_response("delete_profile", {"Message": "ok"},
                      {"DomainName": DOMAIN, "ProfileId": PID(2)})
    report = run_export("connect", mirror=True)
    stubs.assert_done()
    assert report.counts.removed == 1


def test_a_refused_profile_is_recorded_and_the_rest_go_through(
    warehouse: Any, stubs: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("connect_profiles", [profile(1), profile(2)])
    stub = stubs["customer-profiles"]
    stub.add_response("search_profiles", {"Items": []})
    stub.add_client_error("create_profile", "BadRequestException",
                          "EmailAddress user1@example.com is invalid", http_status_code=400)
    stub.add_response("search_profiles", {"Items": []})
    stub.add_response("create_profile", {"ProfileId": PID(2)})
    expect_definitions(stubs, [])
    report = run_export("connect")
    stubs.assert_done()
    assert (report.counts.added, report.counts.failed, report.exit_code) == (1, 1, 1)
    assert state_rows(tmp_path, "select primary_key, error_code, error_message from rejects") == [
        ("C00001", "BadRequestException", "EmailAddress <redacted> is invalid")]


def test_profile_values_longer_than_255_are_cut() -> None:
    fields = connect.profile_fields(profile(1, city="x" * 300), update=False)
    assert len(fields["Address"]["City"]) == 255


@pytest.fixture
def moto_server() -> Iterator[Any]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=f"http://{host}:{port}",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket="profiles-upload")
    yield client
    server.stop()


def test_bulk_upload_job_puts_the_csv_to_the_presigned_url(
    warehouse: Any, stubs: Any, run_export: Any, moto_server: Any, tmp_path: Path
) -> None:
    warehouse.set("connect_profiles", [profile(n) for n in range(1, 5)])
    url = moto_server.generate_presigned_url(
        "put_object", Params={"Bucket": "profiles-upload", "Key": "job.csv"})
    stub = stubs["customer-profiles"]
    stub.add_response("create_upload_job", {"JobId": PID(7)})
    key = base64.b64encode(bytes(range(32))).decode()
    stub.add_response("get_upload_job_path", {"Url": url, "ClientToken": key},
                      {"DomainName": DOMAIN, "JobId": PID(7)})
    stub.add_response("start_upload_job", {}, {"DomainName": DOMAIN, "JobId": PID(7)})
    stub.add_response("get_upload_job", {"Status": "IN_PROGRESS"})
    stub.add_response("get_upload_job", {"Status": "SUCCEEDED", "ResultsSummary": {
        "CreatedRecords": 4, "UpdatedRecords": 0, "FailedRecords": 0}})
    expect_definitions(stubs, [])

    report = run_export("connect", mode="bulk", wait=True)

    stubs.assert_done()
    job = stubs.of("CreateUploadJob")[0]
    assert job["UniqueKey"] == "customer_id"
    assert job["Fields"]["customer_id"]["Target"] == "_profile.AccountNumber"
    assert job["Fields"]["rfm_segment"]["Target"] == "_profile.Attributes.rfm_segment"
    stored = moto_server.get_object(
        Bucket="profiles-upload", Key="job.csv", SSECustomerAlgorithm="AES256",
        SSECustomerKey=bytes(range(32)))
    body = stored["Body"].read()
    lines = body.decode().splitlines()
    assert lines[0].startswith("customer_id,email_address,phone_number")
    assert len(lines) == 5
    assert report.counts.added == 4 and report.status == "succeeded"
    assert state_rows(tmp_path, "select count(*) from synced_rows"
                                " where model = 'connect_profiles'") == [(4,)]
