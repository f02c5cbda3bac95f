"""Row builders, a fake warehouse and stub clients for the exporter tests."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.session
import duckdb
from botocore.stub import Stubber

from exporters import config

REGION = "us-east-1"
APP_ID = "0123456789abcdef0123456789abcdef"
GROUP_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset-group/rfm"
ROLE_ARN = "arn:aws:iam::123456789012:role/rfm-import"
TRACKING_ID = "7f1c6b7e-1a2b-4c3d-9e8f-0123456789ab"
DOMAIN = "rfm-domain"
BUCKET = "rfm-exports"

TABLES = {
    "pinpoint_endpoints": """
        endpoint_id varchar, customer_id varchar, channel_type varchar,
        address varchar, country_code varchar, city varchar, region varchar,
        opt_out varchar, rfm_segment varchar, rfm_score varchar, cluster_id varchar,
        last_order_date date, frequency integer, monetary decimal(18, 2),
        r_score integer, f_score integer, m_score integer""",
    "personalize_interactions": """
        event_id varchar, user_id varchar, item_id varchar, event_timestamp bigint,
        event_type varchar, session_id varchar""",
    "personalize_users": """
        user_id varchar, rfm_segment varchar, rfm_score varchar, cluster_id varchar,
        r_score varchar, f_score varchar, m_score varchar""",
    "personalize_items": """
        item_id varchar, price_band varchar, unit_price double,
        creation_timestamp bigint""",
    "connect_profiles": """
        customer_id varchar, email_address varchar, phone_number varchar,
        city varchar, state varchar, country varchar, rfm_segment varchar,
        rfm_score varchar, r_score integer, f_score integer, m_score integer,
        cluster_id integer, frequency integer, monetary decimal(18, 2),
        first_order_date date, last_order_date date""",
    "rfm_audiences": """
        audience_name varchar, audience_kind varchar, attribute_name varchar,
        attribute_value varchar, sort_order integer, description varchar""",
}
SEGMENTS = ["Champions", "Loyal Customers", "Can't Lose Them", "Lost"]


def endpoint(n: int, **changes: Any) -> dict[str, Any]:
    sms = n % 3 == 0
    row = {
        "endpoint_id": f"ep{n:05d}",
        "customer_id": f"C{n:05d}",
        "channel_type": "SMS" if sms else "EMAIL",
        "address": f"+6421555{n:04d}" if sms else f"user{n}@example.com",
        "country_code": "NZ",
        "city": "Auckland",
        "region": "AUK",
        "opt_out": "NONE",
        "rfm_segment": SEGMENTS[n % len(SEGMENTS)],
        "rfm_score": "545",
        "cluster_id": str(1 + n % 3),
        "last_order_date": date(2024, 5, 1 + n % 28),
        "frequency": 1 + n % 7,
        "monetary": Decimal("10.50") * (1 + n % 5),
        "r_score": 5, "f_score": 4, "m_score": 5,
    }
    row.update(changes)
    return row


def profile(n: int, **changes: Any) -> dict[str, Any]:
    row = {
        "customer_id": f"C{n:05d}",
        "email_address": f"user{n}@example.com" if n % 3 else None,
        "phone_number": f"+6421555{n:04d}" if n % 3 == 0 else None,
        "city": "Auckland", "state": "AUK", "country": "NZL",
        "rfm_segment": SEGMENTS[n % len(SEGMENTS)], "rfm_score": "545",
        "r_score": 5, "f_score": 4, "m_score": 5, "cluster_id": 1 + n % 3,
        "frequency": 1 + n % 7, "monetary": Decimal("99.90"),
        "first_order_date": date(2023, 1, 2), "last_order_date": date(2024, 5, 1),
    }
    row.update(changes)
    return row


def user(n: int, **changes: Any) -> dict[str, Any]:
    row = {"user_id": f"C{n:05d}", "rfm_segment": SEGMENTS[n % len(SEGMENTS)],
           "rfm_score": "545", "cluster_id": str(1 + n % 3), "r_score": "5",
           "f_score": "4", "m_score": "5"}
    row.update(changes)
    return row


def item(n: int, **changes: Any) -> dict[str, Any]:
    row = {"item_id": f"P{n:03d}", "price_band": "25_to_50", "unit_price": 30.5 + n,
           "creation_timestamp": 1672531200 + n}
    row.update(changes)
    return row


def interaction(user_n: int, k: int, day: int = 0) -> dict[str, Any]:
    timestamp = 1704067200 + day * 86400 + k * 60
    return {
        "event_id": f"ev-{user_n}-{day}-{k}",
        "user_id": f"C{user_n:05d}",
        "item_id": f"P{k % 5:03d}",
        "event_timestamp": timestamp,
        "event_type": "viewed" if k % 3 else "purchased",
        "session_id": f"C{user_n:05d}-202401{day + 1:02d}",
    }


def audiences(clusters: int = 3) -> list[dict[str, Any]]:
    rows = [
        {"audience_name": "_RFM_" + s.replace("'", "").replace(" ", "_"),
         "audience_kind": "segment", "attribute_name": "rfm_segment",
         "attribute_value": s, "sort_order": i, "description": f"{s}: test"}
        for i, s in enumerate(SEGMENTS, start=1)
    ]
    rows += [
        {"audience_name": f"_RFM_Cluster_{c}", "audience_kind": "cluster",
         "attribute_name": "cluster_id", "attribute_value": str(c),
         "sort_order": 2000 + c, "description": f"cluster {c}"}
        for c in range(1, clusters + 1)
    ]
    return rows


class Warehouse:
    """A DuckDB file with the export marts; tests rewrite tables between runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        con = duckdb.connect(str(path))
        try:
            for table, columns in TABLES.items():
                con.execute(f"create table main.{table} ({columns})")
        finally:
            con.close()

    def set(self, table: str, rows: list[dict[str, Any]]) -> None:
        import pandas  # here: kill_runner.py's child process does not need it

        con = duckdb.connect(str(self.path))
        try:
            con.execute(f"delete from main.{table}")
            if rows:
                frame = pandas.DataFrame(rows)  # noqa: F841 - read by the SQL below
                columns = ", ".join(rows[0])
                con.execute(f"insert into main.{table} ({columns}) select {columns} from frame")
        finally:
            con.close()


# One botocore session for every test client: service models load once.
SESSION = botocore.session.get_session()


@dataclass
class Stubs:
    """Stubber-wrapped clients by service name, plus a log of every request."""

    clients: dict[str, Any] = field(default_factory=dict)
    stubbers: dict[str, Stubber] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    settings: list[tuple[str, config.AwsSettings]] = field(default_factory=list)

    def __getitem__(self, service: str) -> Stubber:
        if service not in self.stubbers:
            client = SESSION.create_client(
                service, region_name=REGION, aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            client.meta.events.register("before-parameter-build.*.*", self._record)
            stubber = Stubber(client)
            stubber.activate()
            self.clients[service], self.stubbers[service] = client, stubber
        return self.stubbers[service]

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, copy.deepcopy(params)))

    def client(self, service: str) -> Any:
        self[service]
        return self.clients[service]

    def factory(self, service: str, settings: config.AwsSettings) -> Any:
        self.settings.append((service, settings))
        if service in self.extra:
            return self.extra[service]
        return self.client(service)

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


class NoSleep:
    """Records requested sleeps instead of sleeping; `clock` is the time they
    would have taken."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.now = 1000.0

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def export_flags(
    destination: str, warehouse: Path, state: Path, **flags: Any
) -> dict[str, Any]:
    """build_settings keywords for a test run: test ids, no polling pause."""
    defaults: dict[str, Any] = {
        "warehouse_path": str(warehouse),
        "state_path": str(state),
        "region": REGION,
        "poll_seconds": 0,
    }
    if destination == "pinpoint":
        defaults["application_id"] = APP_ID
    elif destination == "personalize":
        defaults |= {"dataset_group_arn": GROUP_ARN, "tracking_id": TRACKING_ID}
    else:
        defaults["domain_name"] = DOMAIN
    if flags.get("mode") == "bulk" and destination != "connect":
        defaults |= {"s3_uri": f"s3://{BUCKET}/exports", "role_arn": ROLE_ARN}
    return defaults | flags


HERE = Path(__file__).parent


def run_killed(
    tmp_path: Path, destination: str, kill: tuple[str, str, int], **flags: Any
) -> subprocess.CompletedProcess[str]:
    """Run an export in a child process (kill_runner.py) against the fakes,
    killed with SIGKILL right after the service applied call number `at` of
    `operation`; the fakes' state is left in tmp_path/fake-<service>.json."""
    service, operation, at = kill
    spec = {
        "destination": destination,
        "flags": export_flags(destination, tmp_path / "rfm.duckdb",
                              tmp_path / "state.duckdb", **flags),
        "fake_dir": str(tmp_path),
        "kill": [service, operation, at],
    }
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    return subprocess.run(
        [sys.executable, str(HERE / "kill_runner.py"), json.dumps(spec)],
        env=env, capture_output=True, text=True, timeout=120,
    )


def state_rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Query the state file of a test run (the exporter is not running)."""
    con = duckdb.connect(str(tmp_path / "state.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
