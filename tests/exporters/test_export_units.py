"""Pure pieces: payload builders (validated against botocore's service models),
settings validation, retry and pacing, file writing."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import botocore.exceptions
import botocore.session
import pytest
from botocore.validate import validate_parameters
from export_fixtures import (
    APP_ID,
    DOMAIN,
    GROUP_ARN,
    TRACKING_ID,
    audiences,
    endpoint,
    interaction,
    item,
    profile,
    user,
)

from exporters import aws, config, connect, files, personalize, pinpoint
from exporters import extract
from exporters.errors import ConfigError

SESSION = botocore.session.get_session()


def valid(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise ParamValidationError unless params fit the operation's input shape."""
    shape = SESSION.get_service_model(service).operation_model(operation).input_shape
    validate_parameters(params, shape)


def test_pinpoint_payloads_fit_the_service_model() -> None:
    items = [pinpoint.endpoint_item(endpoint(n)) for n in range(3)]
    valid("pinpoint", "UpdateEndpointsBatch",
          {"ApplicationId": APP_ID, "EndpointBatchRequest": {"Item": items}})
    for row in audiences():
        valid("pinpoint", "CreateSegment",
              {"ApplicationId": APP_ID, "WriteSegmentRequest": pinpoint.segment_request(row)})


def test_pinpoint_endpoint_item_and_csv_row() -> None:
    row = endpoint(3, city="Wel\nlington, NZ", rfm_score=None, rfm_segment="x" * 150)
    item_ = pinpoint.endpoint_item(row)
    assert item_["Address"] == "+64215550003" and item_["ChannelType"] == "SMS"
    assert item_["User"]["UserId"] == "C00003"
    assert "rfm_score" not in item_["User"]["UserAttributes"]  # null left out
    assert len(item_["User"]["UserAttributes"]["rfm_segment"][0]) == 100
    assert item_["Metrics"] == {"frequency": 4.0, "monetary": 42.0, "r_score": 5.0,
                                "f_score": 4.0, "m_score": 5.0}
    csv_row = pinpoint.endpoint_csv_row(row)
    assert len(csv_row) == len(pinpoint.CSV_HEADER)
    assert csv_row[5] == "Wel lington, NZ"  # no line break inside a value
    assert csv_row[9] == ""  # null rfm_score


def test_personalize_payloads_fit_the_service_model() -> None:
    valid("personalize-events", "PutEvents",
          personalize.put_events_request(TRACKING_ID, [interaction(1, k) for k in range(10)]))
    valid("personalize-events", "PutUsers", {
        "datasetArn": GROUP_ARN.replace("dataset-group/rfm", "dataset/rfm/USERS"),
        "users": [personalize.user_record(user(n)) for n in range(10)]})
    valid("personalize-events", "PutItems", {
        "datasetArn": GROUP_ARN.replace("dataset-group/rfm", "dataset/rfm/ITEMS"),
        "items": [personalize.item_record(item(n)) for n in range(10)]})
    valid("personalize", "CreateDatasetImportJob", {
        "jobName": personalize.job_name("interactions", "20261124T010203-abcdef12"),
        "datasetArn": GROUP_ARN.replace("dataset-group/rfm", "dataset/rfm/INTERACTIONS"),
        "dataSource": {"dataLocation": "s3://bucket/x.csv"},
        "roleArn": "arn:aws:iam::123456789012:role/r", "importMode": "FULL"})


def test_camel_case_property_names() -> None:
    assert personalize.camel("RFM_SEGMENT") == "rfmSegment"
    assert personalize.camel("CREATION_TIMESTAMP") == "creationTimestamp"


def test_connect_payloads_fit_the_service_model() -> None:
    for n in range(3):
        valid("customer-profiles", "CreateProfile",
              connect.create_profile_request(DOMAIN, profile(n)))
        valid("customer-profiles", "UpdateProfile",
              connect.update_profile_request(DOMAIN, "a" * 32, profile(n, city=None)))
    for row in audiences():
        valid("customer-profiles", "CreateSegmentDefinition",
              connect.segment_definition_request(DOMAIN, row))
    valid("customer-profiles", "CreateUploadJob", {
        "DomainName": DOMAIN, "DisplayName": "rfm", "Fields": connect.upload_fields(),
        "UniqueKey": "customer_id", "DataExpiry": 1098})


def test_connect_update_clears_what_became_empty_create_leaves_it_out() -> None:
    row = profile(3, city=None, rfm_score=None)
    create = connect.profile_fields(row, update=False)
    update = connect.profile_fields(row, update=True)
    assert "EmailAddress" not in create and update["EmailAddress"] == ""
    assert "City" not in create["Address"] and update["Address"]["City"] == ""
    assert "rfm_score" not in create["Attributes"] and update["Attributes"]["rfm_score"] == ""


def test_botocore_does_not_enforce_maximum_batch_sizes_so_we_do() -> None:
    items = [pinpoint.endpoint_item(endpoint(n)) for n in range(101)]
    valid("pinpoint", "UpdateEndpointsBatch",  # botocore lets 101 through
          {"ApplicationId": APP_ID, "EndpointBatchRequest": {"Item": items}})
    chunks = list(pinpoint.chunk_items([endpoint(n) for n in range(101)]))
    assert [len(c) for c in chunks] == [100, 1]
    with pytest.raises(ValueError):
        personalize.put_events_request(TRACKING_ID, [interaction(1, k) for k in range(11)])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("application_id", "not-hex"),
        ("dataset_group_arn", "arn:aws:personalize:us-east-1:1:dataset-group/x"),
        ("role_arn", "arn:aws:iam::123:role/x"),
        ("s3_uri", "s3://B/upper"),
        ("region", "mars"),
        ("domain_name", "a b"),
        ("endpoint_url", "localhost:4566"),
    ],
)
def test_identifiers_are_validated(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"--{name.replace('_', '-')}"):
        config.check(name, value)


def test_dry_run_needs_no_destination_flags() -> None:
    settings = config.build_settings("personalize", dry_run=True, mode="bulk")
    assert settings.personalize.import_mode == "FULL"
    with pytest.raises(ConfigError, match="--s3-uri, --role-arn"):
        config.build_settings("personalize", mode="bulk", dataset_group_arn=GROUP_ARN)


def test_error_classification() -> None:
    def client_error(code: str, status: int) -> botocore.exceptions.ClientError:
        return botocore.exceptions.ClientError(
            {"Error": {"Code": code, "Message": "m"},
             "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert aws.is_retryable(client_error("TooManyRequestsException", 429))
    assert aws.is_retryable(client_error("InternalServerErrorException", 500))
    assert aws.is_retryable(client_error("Whatever", 503))
    assert not aws.is_retryable(client_error("BadRequestException", 400))
    assert aws.is_row_error(client_error("BadRequestException", 400))
    assert aws.is_row_error(client_error("InvalidInputException", 400))
    assert not aws.is_row_error(client_error("AccessDeniedException", 403))
    assert not aws.is_row_error(client_error("ThrottlingException", 400))


def test_retry_policy_gives_up_after_its_attempts() -> None:
    slept: list[float] = []
    policy = aws.RetryPolicy(attempts=3, sleep=slept.append, random=lambda: 1.0)
    calls: list[int] = []

    def throttled() -> None:
        calls.append(1)
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow"},
             "ResponseMetadata": {"HTTPStatusCode": 400}}, "Op")

    with pytest.raises(botocore.exceptions.ClientError):
        aws.call(throttled, retry=policy)
    assert len(calls) == 3 and slept == [2.0, 4.0]
    jitter = aws.RetryPolicy(random=lambda: 0.25)
    assert jitter.delay(10) == 0.25 * 30  # capped


def test_rate_limiter_spaces_calls() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = aws.RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == [0.5, 0.5]


def test_scrub_blanks_addresses() -> None:
    assert aws.scrub("bad 'a.b@c.io' and +64 21 555 0101.") == "bad '<redacted>' and <redacted>."


def test_sse_c_headers() -> None:
    key = bytes(range(32))
    token = base64.b64encode(key).decode()
    headers = aws.sse_c_headers(token)
    assert headers["x-amz-server-side-encryption-customer-key"] == token
    assert headers["x-amz-server-side-encryption-customer-key-MD5"] == base64.b64encode(
        hashlib.md5(key).digest()).decode()
    assert aws.sse_c_headers(None) == {}


def test_atomic_private_write_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "d" / "contacts.csv"
    assert files.write_csv(path, ["a", "b"], [["1", "x,y"], ["2", 'q"']], private=True) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == 'a,b\n1,"x,y"\n2,"q"""\n'
    assert os.listdir(path.parent) == ["contacts.csv"]

    def broken() -> Any:
        yield "partial"
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        files.atomic_write(path, broken(), private=True)
    assert path.read_text().startswith("a,b")  # the old file is intact
    assert os.listdir(path.parent) == ["contacts.csv"]


def test_ambiguous_failures_are_those_the_service_may_have_applied() -> None:
    def client_error(code: str, status: int) -> botocore.exceptions.ClientError:
        return botocore.exceptions.ClientError(
            {"Error": {"Code": code, "Message": "m"},
             "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    url = {"endpoint_url": "https://x"}
    assert aws.is_ambiguous(botocore.exceptions.ReadTimeoutError(**url))
    assert aws.is_ambiguous(client_error("InternalServerException", 500))
    assert not aws.is_ambiguous(botocore.exceptions.ConnectTimeoutError(**url))
    assert not aws.is_ambiguous(botocore.exceptions.EndpointConnectionError(**url))
    assert not aws.is_ambiguous(client_error("ThrottlingException", 400))
    assert not aws.is_ambiguous(client_error("BadRequestException", 400))
    for error in (botocore.exceptions.ReadTimeoutError(**url),
                  botocore.exceptions.ConnectTimeoutError(**url),
                  botocore.exceptions.EndpointConnectionError(**url)):
        assert aws.is_retryable(error)


def test_recover_runs_before_a_retry_after_an_ambiguous_failure_only() -> None:
    slept: list[float] = []
    policy = aws.RetryPolicy(sleep=slept.append, random=lambda: 0.5)
    outcomes: list[BaseException | str] = [
        botocore.exceptions.ConnectTimeoutError(endpoint_url="https://x"),  # not sent
        botocore.exceptions.ReadTimeoutError(endpoint_url="https://x"),  # maybe applied
    ]
    looked: list[int] = []

    def create() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def recover() -> str | None:
        looked.append(1)
        return "made-by-attempt-2"

    assert aws.call(create, retry=policy, recover=recover) == "made-by-attempt-2"
    assert looked == [1] and slept == [1.0, 2.0] and outcomes == []


def test_botocore_counts_attempts_in_all() -> None:
    retries = aws.botocore_config(config.AwsSettings(max_attempts=1)).retries
    assert retries == {"mode": "standard", "total_max_attempts": 1}


def test_wait_for_lock_backs_off_says_so_once_and_gives_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import duckdb

    from exporters import locks
    from exporters.errors import LockTimeout

    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    def locked() -> None:
        raise duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock')

    with pytest.raises(LockTimeout, match=r"^someone holds the file w.duckdb; gave up after 20s"):
        locks.wait_for_lock(locked, path=Path("w.duckdb"), what="the file", holder="someone",
                            timeout=20, sleep=sleep, clock=lambda: now[0])
    assert slept[:5] == [0.1, 0.2, 0.4, 0.8, 1.6] and max(slept) == 5.0
    assert sum(slept) == pytest.approx(20)
    assert [r.message for r in caplog.records if "waiting" in r.message] == [
        "someone holds the file w.duckdb; waiting up to 20s for it (--lock-timeout)"]

    def broken() -> None:
        raise duckdb.IOException("not a DuckDB file")

    with pytest.raises(duckdb.IOException):  # not a lock: no waiting
        locks.wait_for_lock(broken, path=Path("w"), what="f", holder="h", timeout=20,
                            sleep=sleep, clock=lambda: now[0])


def test_the_presigned_upload_retries_dropped_connections_and_5xx_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import urllib.error

    from exporters.errors import DestinationError

    outcomes: list[Any] = [
        urllib.error.URLError("connection reset"),
        urllib.error.HTTPError("u", 503, "busy", {}, io.BytesIO()),  # type: ignore[arg-type]
        io.BytesIO(b""),
    ]
    sent: list[bytes] = []

    def urlopen(request: Any, timeout: float) -> Any:
        sent.append(request.data)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    slept: list[float] = []
    policy = aws.RetryPolicy(sleep=slept.append, random=lambda: 0.5)
    aws.http_put("https://upload.example/job", b"csv", retry=policy)
    assert sent == [b"csv"] * 3 and slept == [1.0, 2.0]

    outcomes[:] = [urllib.error.HTTPError("u", 403, "expired", {}, io.BytesIO())]
    with pytest.raises(DestinationError, match="HTTP 403"):
        aws.http_put("https://upload.example/job", b"csv", retry=policy)
    assert len(sent) == 4  # a 403 (an expired URL) is not retried


def test_the_warehouse_is_attached_under_the_name_dbt_gave_it(tmp_path):
    """Views in the file (personalize_interactions) name their tables through
    the database name dbt-duckdb used, the file's stem; a reserved stem fails
    plainly."""
    assert extract.catalog_for(tmp_path / "rfm.duckdb") == "rfm"
    with pytest.raises(ConfigError, match="reserves the name 'main'"):
        extract.catalog_for(tmp_path / "main.duckdb")
