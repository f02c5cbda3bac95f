"""Fault injection: throttling, 5xx, client-side timeouts, partial failures and
a killed process, for every destination and mode, against stateful fakes of
the services (fake_aws.py). After recovery each test asserts exactly-once in
the destination's own terms: every row there once (by the id the exporter
sends), none twice where the API does not deduplicate, nothing missing, and
no row sent again after the service acknowledged it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from export_fixtures import (
    APP_ID,
    audiences,
    endpoint,
    interaction,
    item,
    profile,
    run_killed,
    state_rows,
    user,
)

from exporters import personalize
from exporters.cli import cli
from exporters.errors import EXIT_DESTINATION, EXIT_OK, EXIT_PARTIAL, DestinationError

Fakes = Callable[[str], Any]


# what each destination holds once every row landed ---------------------------


def endpoint_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"Address": row["address"], "ChannelType": row["channel_type"],
            "UserId": row["customer_id"], "rfm_segment": row["rfm_segment"]}


def check_pinpoint(fakes: Fakes, marts: dict[str, list[dict[str, Any]]]) -> None:
    service = fakes("pinpoint")
    service.finish_jobs()  # import jobs nobody polled run anyway
    assert service.endpoints == {
        row["endpoint_id"]: endpoint_view(row) for row in marts["pinpoint_endpoints"]}
    assert service.segment_names() == Counter(
        row["audience_name"] for row in marts["rfm_audiences"])


def check_personalize_api(fakes: Fakes, marts: dict[str, list[dict[str, Any]]]) -> None:
    events = fakes("personalize-events")
    assert {key: (e["userId"], e["sessionId"], e["itemId"], e["eventType"])
            for key, e in events.data["events"].items()} == {
        row["event_id"]: (row["user_id"], row["session_id"], row["item_id"],
                          row["event_type"])
        for row in marts["personalize_interactions"]}
    assert events.data["users"] == {
        row["user_id"]: json.loads(personalize.properties("users", row))
        for row in marts["personalize_users"]}
    assert events.data["items"] == {
        row["item_id"]: json.loads(personalize.properties("items", row))
        for row in marts["personalize_items"]}


def check_personalize_bulk(fakes: Fakes, marts: dict[str, list[dict[str, Any]]]) -> None:
    service = fakes("personalize")
    service.finish_jobs()
    assert service.interaction_counts() == Counter(
        tuple(personalize.csv_row("interactions", row))
        for row in marts["personalize_interactions"])
    assert max(service.interaction_counts().values()) == 1  # none imported twice
    assert service.data["users"] == {
        row["user_id"]: personalize.csv_row("users", row)[1:]
        for row in marts["personalize_users"]}
    assert sorted(service.data["items"]) == sorted(
        row["item_id"] for row in marts["personalize_items"])


def check_connect(fakes: Fakes, marts: dict[str, list[dict[str, Any]]]) -> None:
    service = fakes("customer-profiles")
    service.finish_jobs()
    rows = marts["connect_profiles"]
    assert service.accounts() == Counter(row["customer_id"] for row in rows)  # one each
    held = service.by_account()
    for row in rows:
        assert held[row["customer_id"]].get("EmailAddress") == row["email_address"]
        assert held[row["customer_id"]].get("MobilePhoneNumber") == row["phone_number"]
        assert held[row["customer_id"]]["Attributes"]["rfm_segment"] == row["rfm_segment"]
    if "rfm_audiences" in marts:
        assert sorted(service.data["definitions"]) == sorted(
            row["audience_name"] for row in marts["rfm_audiences"])


@dataclass
class Target:
    """One destination and mode: its marts, flags, fakes and checks."""

    destination: str
    marts: dict[str, list[dict[str, Any]]]
    check: Callable[[Fakes, dict[str, list[dict[str, Any]]]], None]
    services: tuple[str, ...]
    flags: dict[str, Any] = field(default_factory=dict)
    # (service, operation, call number) where faults go by default, and how
    # many calls of that operation a run without faults makes
    fault_at: tuple[str, str, int] = ("", "", 1)
    clean_calls: int = 1
    # a contact value or id the service refuses, and the mart key of its row
    refuse: tuple[str, str] = ("", "")

    def fill(self, warehouse: Any, fakes: Fakes) -> None:
        for table, rows in self.marts.items():
            warehouse.set(table, rows)
        for service in self.services:
            fakes(service)


def pinpoint_api() -> Target:
    return Target(
        "pinpoint",
        {"pinpoint_endpoints": [endpoint(n) for n in range(230)],
         "rfm_audiences": audiences(clusters=2)},
        check_pinpoint, ("pinpoint",),
        fault_at=("pinpoint", "UpdateEndpointsBatch", 2), clean_calls=3,
        refuse=("user100@example.com", "ep00100"),
    )


def pinpoint_bulk() -> Target:
    return Target(
        "pinpoint",
        {"pinpoint_endpoints": [endpoint(n) for n in range(20)],
         "rfm_audiences": audiences(clusters=1)},
        check_pinpoint, ("pinpoint",), {"mode": "bulk", "wait": True},
        fault_at=("pinpoint", "GetImportJob", 1),
        refuse=("user4@example.com", "ep00004"),
    )


def personalize_api() -> Target:
    return Target(
        "personalize",
        {"personalize_items": [item(n) for n in range(12)],
         "personalize_users": [user(n) for n in range(21)],
         "personalize_interactions": [interaction(u, k) for u in range(8) for k in range(4)]},
        check_personalize_api, ("personalize-events",),
        fault_at=("personalize-events", "PutEvents", 2), clean_calls=8,
        refuse=("C00003", "C00003"),
    )


def personalize_bulk() -> Target:
    return Target(
        "personalize",
        {"personalize_items": [item(n) for n in range(5)],
         "personalize_users": [user(n) for n in range(20)],
         "personalize_interactions": [interaction(u, k, d) for u in range(20)
                                      for d in range(5) for k in range(10)]},
        check_personalize_bulk, ("personalize",),
        {"mode": "bulk", "wait": True, "import_mode": "INCREMENTAL"},
        fault_at=("personalize", "CreateDatasetImportJob", 1), clean_calls=3,
    )


def connect_api() -> Target:
    return Target(
        "connect",
        {"connect_profiles": [profile(n) for n in range(1, 7)],
         "rfm_audiences": audiences(clusters=1)},
        check_connect, ("customer-profiles",),
        fault_at=("customer-profiles", "CreateProfile", 2), clean_calls=6,
        refuse=("user4@example.com", "C00004"),
    )


def connect_bulk() -> Target:
    return Target(
        "connect",
        {"connect_profiles": [profile(n) for n in range(1, 11)], "rfm_audiences": []},
        check_connect, ("customer-profiles",), {"mode": "bulk", "wait": True},
        fault_at=("customer-profiles", "StartUploadJob", 1),
        refuse=("user5@example.com", "C00005"),
    )


TARGETS = {
    "pinpoint-api": pinpoint_api, "pinpoint-bulk": pinpoint_bulk,
    "personalize-api": personalize_api, "personalize-bulk": personalize_bulk,
    "connect-api": connect_api, "connect-bulk": connect_bulk,
}
API = ("pinpoint-api", "personalize-api", "connect-api")
BULK = ("pinpoint-bulk", "personalize-bulk", "connect-bulk")
# Creates retried only after looking for what an earlier attempt made.
LOOKED_UP = ("CreateSegment", "CreateProfile", "CreateSegmentDefinition", "StartUploadJob")
CLIENT_SIDE = ("read_timeout", "connect_timeout", "endpoint_connection",
               "read_timeout_after_apply")


@pytest.fixture
def target(request: pytest.FixtureRequest, warehouse: Any, fakes: Fakes) -> Target:
    name = request.param
    made = TARGETS[name]()
    if "bulk" in name and made.destination != "connect":
        request.getfixturevalue("s3")
    made.fill(warehouse, fakes)
    return made


def resent(fakes: Fakes, target: Target) -> list[str]:
    return [key for service in target.services for key in fakes(service).resent]


def backoffs(slept: list[float]) -> list[float]:
    """The retry pauses (rate-limiter pauses are all under a second)."""
    return [seconds for seconds in slept if seconds >= 1.0]


# throttling, 5xx and client-side timeouts ------------------------------------


@pytest.mark.parametrize("kind", ["throttle", "5xx", *CLIENT_SIDE])
@pytest.mark.parametrize("target", API + BULK, indirect=True)
def test_transient_faults_are_retried_and_every_row_lands_once(
    target: Target, fakes: Fakes, run_export: Any, no_sleep: Any, kind: str
) -> None:
    service, operation, at = target.fault_at
    fakes(service).inject(operation, kind, kind, at=at)

    report = run_export(target.destination, **target.flags)

    assert report.exit_code == EXIT_OK and report.status == "succeeded"
    assert report.counts.failed == 0
    target.check(fakes, target.marts)
    assert resent(fakes, target) == []  # nothing acknowledged went again
    calls, clean = fakes(service).calls[operation], target.clean_calls
    if kind == "read_timeout_after_apply" and operation in LOOKED_UP:
        # Not idempotent: before retrying, the exporter found what the first
        # attempt made, and sent nothing again.
        assert calls == clean
        assert backoffs(no_sleep.slept) == [1.0] * min(2, clean - at + 1)
    elif kind == "read_timeout_after_apply" and operation == "CreateDatasetImportJob":
        # The retry finds the job name taken: that job is this run's.
        assert calls == clean + 1 and backoffs(no_sleep.slept) == [1.0]
    else:
        assert calls == clean + 2  # the faulted request went three times
        assert backoffs(no_sleep.slept) == [1.0, 2.0]  # full jitter, doubling


@pytest.mark.parametrize("kind", ["throttle", "5xx", "read_timeout"])
@pytest.mark.parametrize("target", [*API, "personalize-bulk"], indirect=True)
def test_faults_past_every_retry_fail_the_run_and_the_next_run_completes_it(
    target: Target, fakes: Fakes, run_export: Any, no_sleep: Any, tmp_path: Path,
    kind: str,
) -> None:
    service, operation, at = target.fault_at
    fakes(service).inject(operation, *[kind] * 4, at=at)

    with pytest.raises(DestinationError) as failure:
        run_export(target.destination, **target.flags)

    assert failure.value.exit_code == EXIT_DESTINATION
    assert fakes(service).calls[operation] == at + 3  # bounded: 4 attempts
    assert backoffs(no_sleep.slept) == [1.0, 2.0, 4.0]
    assert state_rows(tmp_path, "select status from runs") == [("failed",)]
    kept = state_rows(tmp_path, "select count(*) from synced_rows")[0][0]
    assert kept > 0 or target.flags.get("mode") == "bulk"  # what was accepted stays

    report = run_export(target.destination, **target.flags)

    assert report.exit_code == EXIT_OK
    target.check(fakes, target.marts)
    assert resent(fakes, target) == []


def test_a_client_side_timeout_past_every_retry_is_one_line_and_exit_3(
    warehouse: Any, fakes: Fakes, instant_retries: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(150)])
    service = fakes("pinpoint")
    service.inject("UpdateEndpointsBatch", *["read_timeout"] * 4, at=2)
    result = CliRunner().invoke(cli, [
        "pinpoint", "--application-id", APP_ID, "--region", "us-east-1",
        "--warehouse", str(warehouse.path), "--state-path", str(tmp_path / "s.duckdb")])
    assert result.exit_code == EXIT_DESTINATION
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: UpdateEndpointsBatch: Read timeout on endpoint URL")
    assert lines[-1].endswith("(after 4 attempt(s))") and "Traceback" not in result.stderr
    assert sum("ReadTimeoutError, retry" in line for line in lines) == 3
    assert backoffs(instant_retries.slept) == [1.0, 2.0, 4.0]
    assert len(service.endpoints) == 100  # the first batch landed, and is kept


# creates that are not idempotent ----------------------------------------------


@pytest.mark.parametrize(
    ("target", "operation", "calls"),
    [("pinpoint-api", "CreateSegment", 6), ("connect-api", "CreateProfile", 6),
     ("connect-api", "CreateSegmentDefinition", 5),
     ("personalize-bulk", "CreateDatasetImportJob", 3 + 1),
     ("connect-bulk", "StartUploadJob", 1)],
    indirect=["target"],
)
def test_a_create_whose_answer_was_lost_is_not_made_twice(
    target: Target, fakes: Fakes, stubs: Any, run_export: Any, operation: str, calls: int
) -> None:
    service = target.fault_at[0]
    fakes(service).inject(operation, "read_timeout_after_apply", at=1)

    report = run_export(target.destination, **target.flags)

    assert report.exit_code == EXIT_OK
    target.check(fakes, target.marts)  # one segment / profile / definition / job each
    # One call per thing made; CreateDatasetImportJob: the retry, refused by name.
    assert fakes(service).calls[operation] == calls
    if operation in LOOKED_UP:
        # botocore does not retry these on its own: only the exporter's lookup.
        assert any(name == service and settings.max_attempts == 1
                   for name, settings in stubs.settings)


# partial batch failures -------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["pinpoint-api", "personalize-api", "connect-api", "pinpoint-bulk",
               "connect-bulk"], indirect=True)
def test_refused_rows_are_recorded_and_sent_once_more_when_fixed(
    target: Target, fakes: Fakes, run_export: Any, tmp_path: Path
) -> None:
    refused, key = target.refuse
    service = fakes(target.services[0])
    service.refuse.add(refused)

    report = run_export(target.destination, **target.flags)

    assert report.exit_code == EXIT_PARTIAL and report.counts.failed >= 1
    rejects = state_rows(tmp_path, "select primary_key, error_message from rejects")
    assert rejects
    if "@" in refused:  # the service echoed the address: not stored
        assert all(refused not in message for _, message in rejects)
    if target.flags.get("mode") != "bulk":
        assert [k for k, _ in rejects] == [key]  # isolated to its row
    service.refuse.clear()  # fixed at the source

    report = run_export(target.destination, **target.flags)

    assert report.exit_code == EXIT_OK
    target.check(fakes, target.marts)
    assert resent(fakes, target) == []


def test_accepted_half_of_a_refused_batch_is_kept_when_the_rest_then_fails(
    warehouse: Any, fakes: Fakes, run_export: Any, tmp_path: Path
) -> None:
    rows = [endpoint(n) for n in range(4)]
    warehouse.set("pinpoint_endpoints", rows)
    service = fakes("pinpoint")
    service.refuse.add(rows[3]["address"])
    # [0..3] refused -> [0, 1] accepted -> [2, 3] refused -> [2] throttled 4 times.
    service.inject("UpdateEndpointsBatch", *["throttle"] * 4, at=4)

    with pytest.raises(DestinationError):
        run_export("pinpoint")

    assert state_rows(tmp_path, "select primary_key from synced_rows order by 1") == [
        ("ep00000",), ("ep00001",)]
    assert state_rows(tmp_path, "select rows_added from runs") == [(2,)]
    service.refuse.clear()

    run_export("pinpoint")

    assert sorted(service.endpoints) == [row["endpoint_id"] for row in rows]
    assert service.resent == []  # 0 and 1 were not sent again
    assert service.deliveries("endpoint:") == {
        "ep00000": 1, "ep00001": 1, "ep00002": 1, "ep00003": 1}


# a process killed mid-run -----------------------------------------------------


@pytest.mark.parametrize(
    ("target", "kill"),
    [("pinpoint-bulk", ("pinpoint", "CreateImportJob", 1)),
     ("personalize-api", ("personalize-events", "PutEvents", 3)),
     ("personalize-bulk", ("personalize", "CreateDatasetImportJob", 1)),
     ("connect-api", ("customer-profiles", "CreateProfile", 3))],
    indirect=["target"],
)
def test_a_killed_run_is_completed_by_the_next_with_every_row_once(
    target: Target, fakes: Fakes, run_export: Any, tmp_path: Path,
    kill: tuple[str, str, int],
) -> None:
    child = run_killed(tmp_path, target.destination, kill, **target.flags)
    assert child.returncode == -9, child.stderr
    assert state_rows(tmp_path, "select status from runs") == [("running",)]
    for service in target.services:
        fakes(service).save_to(tmp_path / f"fake-{service}.json")
    held = fakes(kill[0]).data
    assert held["deliveries"] or held["jobs"]  # the call the process died after landed

    report = run_export(target.destination, **target.flags)

    assert report.exit_code == EXIT_OK
    assert state_rows(tmp_path, "select status from runs order by started_at") == [
        ("interrupted",), ("succeeded",)]
    target.check(fakes, target.marts)
    assert resent(fakes, target) == []
    if kill[1] == "PutEvents":
        # The batch in flight went twice with the same eventIds; the service
        # keeps the first (checked above: one event per id).
        twice = [k for k, n in fakes(kill[0]).deliveries("event:").items() if n == 2]
        assert len(twice) == 4
