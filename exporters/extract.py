"""Read the export marts from the warehouse: one read-only snapshot per run.

The exporter reads only the public, contract-enforced marts in
models/marts/exports (schema `main` unless --schema says otherwise); what each
one is keyed on and which of its columns hold contact details is declared
here once.

The run's connection is an in-memory DuckDB database. The warehouse file is
attached read-only (waiting up to --lock-timeout while a `dbt build` holds
it), the marts the run needs are copied into temp tables in one transaction,
and the file is detached again: every mart of a run comes from the same
build, and a `dbt build` can start while the run is still sending. Temp
tables spill, if they must, to a private (0700) temporary directory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from exporters.config import CONTROL, shown
from exporters.errors import ConfigError
from exporters.locks import wait_for_lock
from exporters.state import sql_string

log = logging.getLogger(__name__)

# Names DuckDB keeps for itself; a warehouse file may not be named after them.
RESERVED_CATALOGS = frozenset({"memory", "system", "temp", "main"})
# Connect's SegmentDefinitionName pattern (the stricter of the two services),
# behind the `_RFM_` prefix that marks what the exporter owns.
AUDIENCE_NAME = re.compile(r"_RFM_[A-Za-z0-9_-]{1,59}")
MAX_ATTRIBUTE_VALUE = 100  # Pinpoint attribute values


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
        """The run's snapshot of the mart (a temp table)."""
        return f"snapshot_{self.name}"

    def source(self, schema: str, catalog: str) -> str:
        """The mart in the attached warehouse."""
        return f'{quote_identifier(catalog)}."{schema}"."{self.name}"'


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


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def catalog_for(path: Path) -> str:
    """The name dbt-duckdb gave the warehouse's database: the file's stem.
    Views in the file (personalize_interactions) name their tables through
    it, so the file is attached under that name."""
    name = path.stem
    if not name or name.lower() in RESERVED_CATALOGS:
        raise ConfigError(
            f"warehouse file {path}: DuckDB reserves the name '{name}';"
            " name the file otherwise (e.g. rfm.duckdb)"
        )
    return name


def open_warehouse(
    path: Path, *, lock_timeout: float, temp_directory: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the dbt-built DuckDB file attached
    read-only under catalog_for(path); waits while another process holds
    the file."""
    if not path.exists():
        raise ConfigError(
            f"no warehouse at {path}: run `dbt build` first or set RFM_DUCKDB_PATH"
        )
    catalog = catalog_for(path)
    con = duckdb.connect()
    try:
        if temp_directory is not None:
            con.execute(f"set temp_directory = '{sql_string(str(temp_directory))}'")
        wait_for_lock(
            lambda: con.execute(
                f"attach '{sql_string(str(path))}'"
                f" as {quote_identifier(catalog)} (read_only)"
            ),
            path=path, what="the warehouse file",
            holder="another process (a `dbt build`?)", timeout=lock_timeout,
        )
    except duckdb.Error as error:
        con.close()
        raise ConfigError(f"cannot open the warehouse {path}: {error}") from None
    except BaseException:
        con.close()
        raise
    return con


def check_models(
    con: duckdb.DuckDBPyConnection,
    models: Iterable[ExportModel],
    schema: str,
    catalog: str,
) -> None:
    """Fail with a clear message if a mart or one of its columns is missing."""
    for model in models:
        found = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns"
                " where table_catalog = ? and table_schema = ? and table_name = ?",
                [catalog, schema, model.name],
            ).fetchall()
        }
        if not found:
            raise ConfigError(
                f"{schema}.{model.name} is not in the warehouse: run `dbt build` "
                "(the export marts live in models/marts/exports)"
            )
        missing = [column for column in model.columns if column not in found]
        if missing:
            raise ConfigError(
                f"{schema}.{model.name} lacks column(s) {', '.join(missing)}: "
                "rebuild it with `dbt build`"
            )


def snapshot(
    con: duckdb.DuckDBPyConnection,
    models: Iterable[ExportModel],
    schema: str,
    catalog: str,
) -> None:
    """Copy the marts into temp tables in one transaction (one build's data),
    then detach the warehouse so a `dbt build` is free to start."""
    models = list(models)
    check_models(con, models, schema, catalog)
    con.execute("begin transaction")
    try:
        for model in models:
            columns = ", ".join(f'"{column}"' for column in model.columns)
            con.execute(
                f"create or replace temp table {model.relation} as"
                f" select {columns} from {model.source(schema, catalog)}"
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    con.execute(f"detach {quote_identifier(catalog)}")
    log.debug("snapshot of %s taken", ", ".join(model.name for model in models))


def check_audiences(
    con: duckdb.DuckDBPyConnection, attributes: Iterable[str], destination: str
) -> None:
    """rfm_audiences comes from configuration (seeds/rfm_segment_rules.csv and
    the number of clusters) and its values become segment names, attribute
    names and filter values: check each before any call."""
    attributes = tuple(attributes)
    seen: set[str] = set()
    rows = con.execute(
        f"select audience_name, attribute_name, attribute_value from {RFM_AUDIENCES.relation}"
        " order by sort_order, audience_name"
    ).fetchall()
    source = "from seeds/rfm_segment_rules.csv via rfm_audiences"
    for name, attribute, value in rows:
        if name is None or not AUDIENCE_NAME.fullmatch(name):
            raise ConfigError(
                f"rfm_audiences.audience_name: {shown(name)} is not a valid segment name "
                f"(_RFM_ then 1-59 letters, digits, _ or -; {source})"
            )
        if name in seen:
            raise ConfigError(f"rfm_audiences.audience_name: {shown(name)} appears twice")
        seen.add(name)
        if attribute not in attributes:
            raise ConfigError(
                f"rfm_audiences.attribute_name: {shown(attribute)} (audience {name}) is "
                f"not an attribute the {destination} export sends (one of "
                + ", ".join(attributes) + ")"
            )
        if (
            value is None or not value.strip() or len(value) > MAX_ATTRIBUTE_VALUE
            or CONTROL.search(value)
        ):
            raise ConfigError(
                f"rfm_audiences.attribute_value: {shown(value)} (audience {name}) is not "
                f"valid (1-{MAX_ATTRIBUTE_VALUE} characters, no control characters; "
                f"{source})"
            )
