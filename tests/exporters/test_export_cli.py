"""The `rfm-export` command: dry runs, exit codes, messages, no leaked addresses."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from export_fixtures import (
    APP_ID,
    DOMAIN,
    audiences,
    endpoint,
    interaction,
    item,
    profile,
    user,
)

from exporters import aws
from exporters.cli import cli

ACCEPTED = {"MessageBody": {"Message": "Accepted", "RequestID": "req"}}


@pytest.fixture
def filled(warehouse: Any) -> Any:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(12)])
    warehouse.set("connect_profiles", [profile(n) for n in range(12)])
    warehouse.set("personalize_users", [user(n) for n in range(12)])
    warehouse.set("personalize_items", [item(n) for n in range(5)])
    warehouse.set("personalize_interactions",
                  [interaction(u, k) for u in range(12) for k in range(3)])
    warehouse.set("rfm_audiences", audiences())
    return warehouse


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """No credentials anywhere, and any attempt to make a client fails."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))

    def refuse(service: str, _settings: Any) -> Any:
        raise AssertionError(f"a dry run made a {service} client")

    aws.set_client_factory(refuse)
    yield
    aws.set_client_factory(None)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("destination", "files"),
    [
        ("pinpoint", {"endpoints.csv": 12, "segments.json": 7}),
        ("personalize", {"interactions.csv": 36, "users.csv": 12, "items.csv": 5}),
        ("connect", {"profiles.jsonl": 12, "segment_definitions.json": 7}),
    ],
)
def test_dry_run_writes_the_files_with_no_credentials_and_no_call(
    filled: Any, no_aws: Any, tmp_path: Path, destination: str, files: dict[str, int]
) -> None:
    out = tmp_path / "out"
    state = tmp_path / "state.duckdb"
    result = invoke(destination, "--dry-run", "--output-dir", str(out),
                    "--warehouse", str(filled.path), "--state-path", str(state))
    assert result.exit_code == 0, result.output
    assert "dry run, no call made" in result.output
    for name, rows in files.items():
        path = out / destination / name
        assert path.exists(), name
        assert f"wrote {path}: {rows} " in result.output
    assert not state.exists()  # a dry run writes no state


def test_dry_run_file_contents_and_permissions(filled: Any, no_aws: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for destination in ("pinpoint", "personalize", "connect"):
        invoke(destination, "--dry-run", "--output-dir", str(out), "--warehouse",
               str(filled.path), "--state-path", str(tmp_path / "s.duckdb"))
    for contact_file in (out / "pinpoint/endpoints.csv", out / "connect/profiles.jsonl"):
        assert stat.S_IMODE(contact_file.stat().st_mode) == 0o600
    header = (out / "pinpoint/endpoints.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["Id", "ChannelType", "Address"]
    assert "User.UserAttributes.rfm_segment" in header and "Metrics.monetary" in header
    segments = json.loads((out / "pinpoint/segments.json").read_text())
    assert segments[0]["Name"] == "_RFM_Champions"
    lines = (out / "connect/profiles.jsonl").read_text().splitlines()
    assert json.loads(lines[1])["AccountNumber"] == "C00001"
    for name in ("interactions.csv", "users.csv", "items.csv"):
        text = (out / "personalize" / name).read_text()
        assert "@" not in text and "+64" not in text  # pseudonymous only
        schema = json.loads((out / "personalize" / name.replace(".csv", ".avsc")).read_text())
        assert ",".join(f["name"] for f in schema["fields"]) == text.splitlines()[0]


def test_dry_run_reports_changes_against_the_last_sync(
    filled: Any, stubs: Any, tmp_path: Path
) -> None:
    state = tmp_path / "state.duckdb"
    stub = stubs["pinpoint"]
    stub.add_response("update_endpoints_batch", ACCEPTED)
    stub.add_response("get_segments", {"SegmentsResponse": {"Item": []}})
    for n in range(7):
        stub.add_response("create_segment", {"SegmentResponse": {
            "ApplicationId": APP_ID, "Arn": "arn", "CreationDate": "now", "Id": f"s{n}",
            "SegmentType": "DIMENSIONAL"}})
    common = ["--warehouse", str(filled.path), "--state-path", str(state)]
    assert invoke("pinpoint", "--application-id", APP_ID, *common).exit_code == 0

    filled.set("pinpoint_endpoints", [endpoint(n, rfm_score="111") if n == 4 else endpoint(n)
                                      for n in range(1, 12)])
    result = invoke("pinpoint", "--dry-run", "--output-dir", str(tmp_path / "o"), *common)
    assert "added 0, changed 1, unchanged 10, left the model 1; 1 to send" in result.output
    assert "segments to unchanged (7)" in result.output
    assert "--mirror would delete them" in result.output
    assert len((tmp_path / "o/pinpoint/endpoints.csv").read_text().splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pinpoint"], "needs --application-id"),
        (["pinpoint", "--application-id", "nope"], "--application-id: 'nope' is not valid"),
        (["pinpoint", "--application-id", APP_ID, "--mode", "bulk"],
         "needs --s3-uri, --role-arn"),
        (["personalize", "--datasets", "users"], "needs --dataset-group-arn"),
        (["personalize", "--datasets", "interactions"], "needs --tracking-id"),
        (["personalize", "--datasets", "clicks", "--dry-run"], "--datasets: unknown"),
        (["personalize", "--mirror", "--tracking-id", "abc", "--datasets",
          "interactions"], "--mirror needs --mode bulk"),
        (["connect"], "needs --domain-name"),
        (["connect", "--domain-name", "bad name!"], "--domain-name"),
        (["connect", "--domain-name", DOMAIN, "--s3-uri", "http://x"], "--s3-uri"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    filled: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    result = invoke(*args, "--warehouse", str(filled.path), "--state-path",
                    str(tmp_path / "s.duckdb"))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_missing_warehouse_and_missing_mart_exit_2(tmp_path: Path) -> None:
    result = invoke("pinpoint", "--dry-run", "--warehouse", str(tmp_path / "no.duckdb"))
    assert result.exit_code == 2 and "no warehouse at" in result.stderr
    import duckdb

    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    result = invoke("pinpoint", "--dry-run", "--warehouse", str(tmp_path / "empty.duckdb"))
    assert result.exit_code == 2 and "main.pinpoint_endpoints is not in the warehouse" in (
        result.stderr)


def test_partial_failure_exits_1_and_service_failure_exits_3(
    filled: Any, stubs: Any, tmp_path: Path
) -> None:
    common = ["--domain-name", DOMAIN, "--warehouse", str(filled.path),
              "--state-path", str(tmp_path / "s.duckdb")]
    filled.set("connect_profiles", [profile(1), profile(2)])
    filled.set("rfm_audiences", [])
    stub = stubs["customer-profiles"]
    stub.add_response("search_profiles", {"Items": []})
    stub.add_client_error("create_profile", "BadRequestException", "bad",
                          http_status_code=400)
    stub.add_response("search_profiles", {"Items": []})
    stub.add_response("create_profile", {"ProfileId": "a" * 32})
    stub.add_response("list_segment_definitions", {"Items": []})
    result = invoke("connect", *common)
    assert result.exit_code == 1, result.output
    assert "failed 1" in result.output

    stub.add_response("search_profiles", {"Items": []})
    stub.add_client_error("create_profile", "AccessDeniedException", "denied",
                          http_status_code=403)
    result = invoke("connect", *common)
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines()[-1].startswith(
        "error: CreateProfile/UpdateProfile: access denied")
    assert "Traceback" not in result.stderr


def test_missing_credentials_is_a_usage_error(
    filled: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = invoke("pinpoint", "--application-id", APP_ID, "--region", "us-east-1",
                    "--max-attempts", "1", "--warehouse", str(filled.path),
                    "--state-path", str(tmp_path / "s.duckdb"))
    assert result.exit_code == 2
    assert "no AWS credentials found" in result.stderr


def test_logs_and_output_never_carry_contact_addresses(
    filled: Any, stubs: Any, tmp_path: Path
) -> None:
    stub = stubs["pinpoint"]
    stub.add_client_error("update_endpoints_batch", "BadRequestException",
                          "Invalid address user1@example.com", http_status_code=400)
    stub.add_response("update_endpoints_batch", ACCEPTED)
    stub.add_client_error("update_endpoints_batch", "BadRequestException",
                          "Invalid address user1@example.com", http_status_code=400)
    stub.add_response("update_endpoints_batch", ACCEPTED)
    stub.add_client_error("update_endpoints_batch", "BadRequestException",
                          "Invalid address +64215550003", http_status_code=400)
    stub.add_response("get_segments", {"SegmentsResponse": {"Item": []}})
    filled.set("pinpoint_endpoints", [endpoint(n) for n in range(4)])
    filled.set("rfm_audiences", [])
    result = invoke("pinpoint", "-v", "--application-id", APP_ID, "--warehouse",
                    str(filled.path), "--state-path", str(tmp_path / "s.duckdb"))
    assert result.exit_code == 1
    everything = result.output + result.stderr
    assert "pinpoint endpoints: 4 rows to go" in result.stderr  # plain log lines
    assert "@example.com" not in everything and "+6421555" not in everything
