"""Read the export marts from the warehouse, through a read-only connection.

The exporter reads only the public, contract-enforced marts in
models/marts/exports (schema `main`); what each one is keyed on and which of
its columns hold contact details is declared here once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from exporters.errors import ConfigError, ExportError

log = logging.getLogger(__name__)

SCHEMA = "main"


@dataclass(frozen=True)
class ExportModel:
    """One export mart: its primary key, columns (contract order) and send order.

    `version` is part of every row hash: bump it when a payload builder
    changes what a row turns into, so the next run resends every row.
    """

    name: str
    key: str
    columns: tuple[str, ...]
    order_by: str
    contact_columns: tuple[str, ...] = ()
    version: str = "1"

    @property
    def relation(self) -> str:
        return f'{SCHEMA}."{self.name}"'


PINPOINT_ENDPOINTS = ExportModel(
    name="pinpoint_endpoints",
    key="endpoint_id",
    columns=(
        "endpoint_id", "customer_id", "channel_type", "address", "country_code",
        "city", "region", "opt_out", "rfm_segment", "rfm_score", "cluster_id",
        "last_order_date", "frequency", "monetary", "r_score", "f_score", "m_score",
    ),
    order_by="endpoint_id",
    contact_columns=("address",),
)
PERSONALIZE_INTERACTIONS = ExportModel(
    name="personalize_interactions",
    key="event_id",
    columns=(
        "event_id", "user_id", "item_id", "event_timestamp", "event_type", "session_id",
    ),
    order_by="session_id, event_timestamp, event_id",
)
PERSONALIZE_USERS = ExportModel(
    name="personalize_users",
    key="user_id",
    columns=(
        "user_id", "rfm_segment", "rfm_score", "cluster_id", "r_score", "f_score",
        "m_score",
    ),
    order_by="user_id",
)
PERSONALIZE_ITEMS = ExportModel(
    name="personalize_items",
    key="item_id",
    columns=("item_id", "price_band", "unit_price", "creation_timestamp"),
    order_by="item_id",
)
CONNECT_PROFILES = ExportModel(
    name="connect_profiles",
    key="customer_id",
    columns=(
        "customer_id", "email_address", "phone_number", "city", "state", "country",
        "rfm_segment", "rfm_score", "r_score", "f_score", "m_score", "cluster_id",
        "frequency", "monetary", "first_order_date", "last_order_date",
    ),
    order_by="customer_id",
    contact_columns=("email_address", "phone_number"),
)
RFM_AUDIENCES = ExportModel(
    name="rfm_audiences",
    key="audience_name",
    columns=(
        "audience_name", "audience_kind", "attribute_name", "attribute_value",
        "sort_order", "description",
    ),
    order_by="sort_order, audience_name",
)


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the dbt-built DuckDB file."""
    if not path.exists():
        raise ConfigError(
            f"no warehouse at {path}: run `dbt build` first or set RFM_DUCKDB_PATH"
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise ExportError(
                f"the warehouse {path} is locked by another process (a dbt build?); "
                "run the export after it finishes"
            ) from None
        raise ConfigError(f"cannot open the warehouse {path}: {error}") from None


def check_models(con: duckdb.DuckDBPyConnection, models: list[ExportModel]) -> None:
    """Fail with a clear message if a mart or one of its columns is missing."""
    for model in models:
        found = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns"
                " where table_catalog = current_database()"
                " and table_schema = ? and table_name = ?",
                [SCHEMA, model.name],
            ).fetchall()
        }
        if not found:
            raise ConfigError(
                f"{SCHEMA}.{model.name} is not in the warehouse: run `dbt build` "
                "(the export marts live in models/marts/exports)"
            )
        missing = [column for column in model.columns if column not in found]
        if missing:
            raise ConfigError(
                f"{SCHEMA}.{model.name} lacks column(s) {', '.join(missing)}: "
                "rebuild it with `dbt build`"
            )
