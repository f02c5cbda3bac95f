"""Secrets and contact data stay where they belong; identifiers from
configuration are checked before they reach SQL or an AWS API."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from export_fixtures import (
    APP_ID,
    BUCKET,
    DOMAIN,
    ROLE_ARN,
    audiences,
    endpoint,
    interaction,
    item,
    profile,
    state_rows,
    user,
)

from exporters import cli as cli_module
from exporters.cli import cli
from exporters.errors import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTSECRET1"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\+\d[\d ()-]{6,}\d")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def state_text(path: Path) -> str:
    """Every value of every table in a state file, as text."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [row[0] for row in con.execute(
            "select table_name from information_schema.tables").fetchall()]
        return "\n".join(
            repr(con.execute(f"select * from {table}").fetchall()) for table in tables)
    finally:
        con.close()


# (a) logs and output ------------------------------------------------------------


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)


@pytest.mark.parametrize(
    ("destination", "service", "operation", "flags"),
    [("pinpoint", "pinpoint", "UpdateEndpointsBatch", ["--application-id", APP_ID]),
     ("connect", "customer-profiles", "CreateProfile", ["--domain-name", DOMAIN])],
)
def test_a_failing_verbose_run_prints_no_secret_and_no_address(
    warehouse: Any, fakes: Any, credentials: None, instant_retries: Any,
    tmp_path: Path, destination: str, service: str, operation: str, flags: list[str],
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(300)])
    warehouse.set("connect_profiles", [profile(n) for n in range(1, 8)])
    warehouse.set("rfm_audiences", audiences())
    fake = fakes(service)
    # Refusals that echo the address, retries, then a crash whose message
    # carries an address, a phone number and the secret.
    fake.refuse |= {"user1@example.com", "user2@example.com"}
    fake.inject(operation, "throttle", "read_timeout", at=3)
    fake.inject(operation, "crash", at=6)
    fake.crash_message = f"boom for user5@example.com / +64215550006 ({SECRET})"
    state = tmp_path / "s.duckdb"

    result = invoke(destination, "-v", *flags, "--region", "us-east-1",
                    "--warehouse", str(warehouse.path), "--state-path", str(state))

    assert result.exit_code == 3, result.output
    everything = result.output + result.stderr
    assert "retry 1 of 3" in everything and "Traceback" in everything  # -v shows it
    assert "boom for <redacted>" in result.stderr.splitlines()[-1]
    for text in (everything, state_text(state)):
        assert SECRET not in text and TOKEN not in text
        assert not EMAIL.search(text), EMAIL.search(text)
        assert not PHONE.search(text), PHONE.search(text)
        assert "+6421555" not in text


def test_the_log_filter_redacts_secrets_and_addresses(credentials: None) -> None:
    redact = cli_module.Redact()
    try:
        raise ValueError(f"call failed for +64 21 555 0101 with {TOKEN}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1,
                                   "key %s for %s in run 20261124T010203-ab", (SECRET, "a@b.io"),
                                   exc_info=sys.exc_info())
    assert redact.filter(record)
    assert record.getMessage() == "key <redacted> for <redacted> in run 20261124T010203-ab"
    assert TOKEN not in record.exc_text and "555 0101" not in record.exc_text


# (b) Personalize gets pseudonymous ids only ----------------------------------


@pytest.fixture
def leaky(warehouse: Any) -> Any:
    """Contact marts with addresses, and Personalize marts where an address
    slipped into an id and a segment (a modelling mistake)."""
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(12)])
    warehouse.set("connect_profiles", [profile(n) for n in range(12)])
    warehouse.set("personalize_users", [user(n) for n in range(11)] + [
        user(11, user_id="user11@example.com"), user(12, rfm_segment="+64 21 555 0012")])
    warehouse.set("personalize_items", [item(n) for n in range(5)] + [
        item(5, price_band="call +6421555000")])
    warehouse.set("personalize_interactions",
                  [interaction(u, k, d) for u in range(20) for d in range(5) for k in range(10)]
                  + [interaction(1, 99) | {"session_id": "user1@example.com"}])
    return warehouse


def contacts(warehouse: Any) -> set[str]:
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        found = con.execute(
            "select address from pinpoint_endpoints union select email_address"
            " from connect_profiles union select phone_number from connect_profiles"
        ).fetchall()
    finally:
        con.close()
    return {value for (value,) in found if value}


def assert_pseudonymous(text: str, addresses: set[str]) -> None:
    assert not EMAIL.search(text), EMAIL.search(text)
    assert not PHONE.search(text), PHONE.search(text)
    assert not any(address in text for address in addresses)


@pytest.mark.parametrize("mode", ["api", "bulk"])
def test_personalize_payloads_hold_no_address_and_refuse_rows_that_do(
    leaky: Any, fakes: Any, s3: Any, run_export: Any, tmp_path: Path, mode: str
) -> None:
    for service in ("personalize-events", "personalize"):
        fakes(service)
    out = tmp_path / "out"
    flags = {"mode": "bulk", "wait": True} if mode == "bulk" else {}

    report = run_export("personalize", output_dir=str(out), **flags)

    assert report.exit_code == EXIT_PARTIAL and report.counts.failed == 4
    refused = sorted(key for key, in state_rows(
        tmp_path, "select primary_key from rejects where error_code = 'ContactDataRefused'"))
    assert refused == ["C00012", "P005", "ev-1-0-99", "user11@example.com"]
    sent = json.dumps([params for _, params in fakes("personalize").stubs.calls], default=str)
    files = "".join(path.read_text() for path in (out / "personalize").glob("*.csv"))
    uploaded = "".join(
        s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read().decode()
        for entry in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))
    assert ("C00010" in sent) if mode == "api" else ("C00010" in uploaded)  # rows did go
    addresses = contacts(leaky)
    for text in (sent, files, uploaded):
        assert_pseudonymous(text, addresses)


def test_addresses_go_only_to_pinpoint_and_connect(
    leaky: Any, fakes: Any, run_export: Any
) -> None:
    leaky.set("rfm_audiences", [])
    for destination in ("pinpoint", "connect"):
        fakes("pinpoint" if destination == "pinpoint" else "customer-profiles")
        assert run_export(destination).exit_code == EXIT_OK
    sent = json.dumps([params for _, params in fakes("pinpoint").stubs.calls])
    assert "user1@example.com" in sent and "+64215550003" in sent


def test_personalize_dry_run_leaves_refused_rows_out_of_the_files(
    leaky: Any, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = invoke("personalize", "--dry-run", "--output-dir", str(out), "--warehouse",
                    str(leaky.path), "--state-path", str(tmp_path / "s.duckdb"))
    assert result.exit_code == EXIT_OK
    assert "personalize_users: 2 row(s) refused" in result.output
    assert "refused 2" in result.output
    for path in (out / "personalize").glob("*.csv"):
        assert_pseudonymous(path.read_text(), contacts(leaky))


# (c) files with addresses are owner-only ------------------------------------


@pytest.mark.parametrize(
    ("destination", "flags", "private"),
    [("pinpoint", ["--dry-run"], ["endpoints.csv"]),
     ("connect", ["--dry-run"], ["profiles.jsonl"]),
     ("pinpoint", ["--mode", "bulk", "--application-id", APP_ID, "--s3-uri",
                   f"s3://{BUCKET}/x", "--role-arn", ROLE_ARN], ["endpoints.csv"]),
     ("connect", ["--mode", "bulk", "--domain-name", DOMAIN], ["profiles.csv"])],
)
def test_every_file_holding_addresses_is_0600_even_over_a_wider_one(
    leaky: Any, fakes: Any, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    destination: str, flags: list[str], private: list[str],
) -> None:
    fakes("pinpoint" if destination == "pinpoint" else "customer-profiles")
    out = tmp_path / "out"
    (out / destination).mkdir(parents=True)
    for name in private:
        (out / destination / name).write_text("old")
        (out / destination / name).chmod(0o644)
    old_umask = os.umask(0)  # a careless umask must not widen anything
    try:
        result = invoke(destination, *flags, "--output-dir", str(out), "--region",
                        "us-east-1", "--warehouse", str(leaky.path), "--state-path",
                        str(tmp_path / "s.duckdb"))
    finally:
        os.umask(old_umask)
    assert result.exit_code == EXIT_OK, result.output + result.stderr
    written = {path.name: stat.S_IMODE(path.stat().st_mode)
               for path in (out / destination).iterdir()}
    for name in private:
        assert written[name] == 0o600, name
        assert "@example.com" in (out / destination / name).read_text()
    for name, mode in written.items():  # the others hold no address
        if mode != 0o600:
            assert "@" not in (out / destination / name).read_text(), name


def test_the_run_spills_to_a_private_directory_and_lets_the_warehouse_go(
    leaky: Any, tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from exporters import config, sync
    from exporters.extract import RFM_AUDIENCES

    seen: dict[str, Any] = {}

    def dry_run(ctx: Any) -> None:
        spill = ctx.con.execute("select current_setting('temp_directory')").fetchone()[0]
        seen["mode"] = stat.S_IMODE(os.stat(spill).st_mode)
        seen["databases"] = {row[0] for row in ctx.con.execute(
            "select database_name from duckdb_databases()").fetchall()}

    probe = SimpleNamespace(MODELS=[RFM_AUDIENCES], dry_run=dry_run)
    settings = config.build_settings("pinpoint", dry_run=True, warehouse_path=str(leaky.path),
                                     state_path=str(tmp_path / "s.duckdb"))
    sync.run(settings, probe)
    assert seen["mode"] == 0o700
    assert "warehouse" not in seen["databases"]  # detached once read


# identifiers from configuration ---------------------------------------------


BAD_FLAGS = [
    ("--schema", "customer_segments; drop table x"),
    ("--schema", 'main"; drop table x; --'),
    ("--schema", "o'brien"),
    ("--schema", ""),
    ("--schema", "s" * 64),
    ("--s3-uri", "s3://rfm-exports/x'; drop table x"),
    ("--s3-uri", 's3://rfm-exports/a"b'),
    ("--s3-uri", "s3://rfm-exports/../other"),
    ("--s3-uri", "s3://rfm-exports//double"),
    ("--s3-uri", "s3://" + "b" * 64),
    ("--s3-uri", "s3://rfm-exports/" + "p" * 1000),
    ("--endpoint-url", "https://AKIAEXAMPLE:secret@localhost:4566"),
    ("--profile", "dev; rm -rf /"),
    ("--profile", "p" * 129),
    ("--application-id", APP_ID[:-1] + "'"),
    ("--region", "us-east-1'; --"),
    ("--role-arn", "arn:aws:iam::123456789012:role/x y"),
    ("--state-path", "state\n.duckdb"),
]


@pytest.mark.parametrize(("flag", "value"), BAD_FLAGS)
def test_bad_identifiers_in_flags_exit_2_naming_flag_and_value(
    warehouse: Any, tmp_path: Path, flag: str, value: str
) -> None:
    args = ["pinpoint", "--dry-run", "--warehouse", str(warehouse.path)]
    if flag != "--state-path":
        args += ["--state-path", str(tmp_path / "s.duckdb")]
    result = invoke(*args, flag, value)
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {flag}: ")
    if flag == "--endpoint-url":  # named, with its password masked
        assert "AKIAEXAMPLE:***@localhost" in lines[0] and "secret" not in lines[0]
    else:
        assert repr(value)[:40] in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "flag"),
    [("RFM_EXPORT_SCHEMA", "x; drop table y", "--schema"),
     ("RFM_EXPORT_S3_URI", "s3://rfm-exports/';", "--s3-uri"),
     ("RFM_CONNECT_DOMAIN", "rfm'domain", "--domain-name"),
     ("RFM_PERSONALIZE_DATASET_GROUP_ARN",
      "arn:aws:personalize:us-east-1:123456789012:dataset-group/" + "g" * 64,
      "--dataset-group-arn"),
     ("RFM_PERSONALIZE_TRACKING_ID", "t" * 257, "--tracking-id")],
)
def test_bad_identifiers_from_the_environment_name_their_flag(
    warehouse: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    variable: str, value: str, flag: str,
) -> None:
    monkeypatch.setenv(variable, value)
    destination = {"RFM_CONNECT_DOMAIN": "connect"}.get(variable, "personalize")
    result = invoke(destination, "--dry-run", "--warehouse", str(warehouse.path),
                    "--state-path", str(tmp_path / "s.duckdb"))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith(f"error: {flag}: {repr(value)[:40]}")


def test_the_state_file_cannot_be_the_warehouse(warehouse: Any) -> None:
    result = invoke("pinpoint", "--dry-run", "--warehouse", str(warehouse.path),
                    "--state-path", str(warehouse.path))
    assert result.exit_code == EXIT_USAGE
    assert "--state-path" in result.stderr and "is the warehouse file" in result.stderr


def test_a_quote_in_a_path_is_a_literal_not_sql(
    warehouse: Any, fakes: Any, run_export: Any, tmp_path: Path
) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(1)])
    fakes("pinpoint")
    state = tmp_path / "o'brien'; drop table runs; --.duckdb"
    assert run_export("pinpoint", state_path=str(state)).exit_code == EXIT_OK
    con = duckdb.connect(str(state), read_only=True)
    try:
        assert con.execute("select count(*) from runs").fetchone()[0] == 1
    finally:
        con.close()


def test_marts_in_another_schema_are_read_with_schema(warehouse: Any, tmp_path: Path) -> None:
    warehouse.set("pinpoint_endpoints", [endpoint(n) for n in range(3)])
    con = duckdb.connect(str(warehouse.path))
    try:
        con.execute("create schema exports")
        for table in ("pinpoint_endpoints", "rfm_audiences"):
            con.execute(f"create table exports.{table} as select * from main.{table}")
            con.execute(f"drop table main.{table}")
    finally:
        con.close()
    common = ["pinpoint", "--dry-run", "--warehouse", str(warehouse.path), "--output-dir",
              str(tmp_path / "out"), "--state-path", str(tmp_path / "s.duckdb")]
    result = invoke(*common)
    assert result.exit_code == EXIT_USAGE
    assert "main.pinpoint_endpoints is not in the warehouse" in result.stderr
    result = invoke(*common, "--schema", "exports")
    assert result.exit_code == EXIT_OK and "3 rows" in result.output


AUDIENCE = audiences(clusters=1)[0]


@pytest.mark.parametrize(
    ("column", "value"),
    [("audience_name", "_RFM_x; drop table x"),
     ("audience_name", "_RFM_O'Brien"),
     ("audience_name", "Champions"),  # not ours: --mirror could never clean it up
     ("audience_name", ""),
     ("audience_name", "_RFM_" + "a" * 60),
     ("attribute_name", "address"),  # not an attribute the export sends
     ("attribute_name", "rfm_segment'; --"),
     ("attribute_value", ""),
     ("attribute_value", "x" * 101),
     ("attribute_value", "Champions\nLost")],
)
@pytest.mark.parametrize("destination", ["pinpoint", "connect"])
def test_bad_audiences_fail_before_any_call(
    warehouse: Any, stubs: Any, tmp_path: Path, destination: str, column: str, value: str
) -> None:
    warehouse.set("rfm_audiences", [AUDIENCE | {column: value}])
    flags = (["--application-id", APP_ID] if destination == "pinpoint"
             else ["--domain-name", DOMAIN])
    result = invoke(destination, *flags, "--region", "us-east-1", "--warehouse",
                    str(warehouse.path), "--state-path", str(tmp_path / "s.duckdb"))
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: rfm_audiences.{column}: ")
    assert repr(value)[:40] in lines[0]
    assert stubs.calls == []  # nothing reached AWS
