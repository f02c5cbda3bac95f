"""Streamlit glue the pages share: cached loading with retries, guards and filters.

Query results are cached per query, arguments and warehouse version (the file's
modification time), so a rebuilt warehouse shows up on the next rerun. Errors
the user can fix become messages on the page, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any, NoReturn

import duckdb
import pandas as pd
import streamlit as st

import queries
from warehouse import (
    WarehouseBusyError,
    WarehouseMissingError,
    database_path,
    version,
)

CACHE_TTL_SECONDS = 600
BUSY_RETRIES = 5
BUSY_RETRY_SECONDS = 2.0
SEGMENTS_STATE = "chosen_segments"
SEGMENTS_WIDGET = "segment_filter"

CLICKSTREAM_HINT = (
    "The clickstream marts are built from the NDJSON files matched by the "
    "`clickstream_path` var (default `data/clickstream/*.jsonl`). Run `make demo`, "
    "or `dbt build` with `clickstream_path` pointing at your files."
)
MART_HINTS = {
    "segment_transitions": (
        "Segment migration needs the segment history. Run `make demo` to build it."
    ),
    "clicks_by_offer": CLICKSTREAM_HINT,
    "clicks_by_product": CLICKSTREAM_HINT,
    "next_best_offers": (
        "Next best offers are built with the personalization marts. Run `make demo`, "
        "or `dbt build --select +next_best_offers`."
    ),
}


def stop_with_info(message: str) -> NoReturn:
    """Show an explanatory message and end this page's run."""
    st.info(message, icon=":material/info:")
    st.stop()


def stop_missing_warehouse(path: Path) -> NoReturn:
    """Tell the user how to build the warehouse, and end this page's run."""
    st.error(
        f"There is no warehouse at `{path}` yet. Run `make demo` to build one on "
        "sample data, or set `RFM_DUCKDB_PATH` to the DuckDB file `dbt build` wrote.",
        icon=":material/database_off:",
    )
    st.stop()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=256, show_spinner=False)
def _cached_query(
    name: str, path: str, warehouse_version: float, args: tuple[Any, ...]
) -> pd.DataFrame:
    """`queries.<name>(path, *args)`; `warehouse_version` only keys the cache."""
    del warehouse_version
    return getattr(queries, name)(Path(path), *args)


def load(name: str, *args: Any) -> pd.DataFrame:
    """Run `queries.<name>` through the cache, retrying while dbt holds the lock."""
    path = database_path()
    notice = st.empty()
    for attempt in range(1, BUSY_RETRIES + 1):
        try:
            frame = _cached_query(name, str(path), version(path), args)
        except WarehouseMissingError:
            stop_missing_warehouse(path)
        except WarehouseBusyError:
            if attempt == BUSY_RETRIES:
                break
            notice.info(
                "The warehouse is being rebuilt (a `dbt build` is writing it); "
                f"retrying ({attempt}/{BUSY_RETRIES - 1})...",
                icon=":material/hourglass_top:",
            )
            time.sleep(BUSY_RETRY_SECONDS)
        except duckdb.Error as error:
            notice.error(f"Reading the warehouse failed: {error}")
            st.stop()
        else:
            notice.empty()
            return frame
    with notice.container():
        st.warning(
            "The warehouse is still being rebuilt. Try again when `dbt build` has "
            "finished.",
            icon=":material/hourglass_bottom:",
        )
        st.button("Try again", key=f"retry_{name}")
    st.stop()


def warehouse_tables() -> frozenset[str]:
    """The names of the warehouse's tables and views (schema main)."""
    return frozenset(load("catalog")["table_name"].astype(str))


def require_marts(*marts: str) -> frozenset[str]:
    """The warehouse's tables; stops the page with a hint if a mart is missing."""
    tables = warehouse_tables()
    missing = [mart for mart in marts if mart not in tables]
    if missing:
        names = ", ".join(f"`{mart}`" for mart in missing)
        verb = "is" if len(missing) == 1 else "are"
        hint = MART_HINTS.get(missing[0], "Run `make demo` to build every mart.")
        stop_with_info(
            f"This page needs {names}, which {verb} not in the warehouse. {hint}"
        )
    return tables


def _remember_segments() -> None:
    """Copy the segment widget's value to state that outlives the page."""
    st.session_state[SEGMENTS_STATE] = st.session_state[SEGMENTS_WIDGET]


def segment_filter() -> tuple[str, ...]:
    """Sidebar multiselect of segments, kept across pages; empty means all."""
    options = load("segment_names")["rfm_segment"].astype(str).tolist()
    # A widget's own state is dropped when the user opens another page, so the
    # choice lives under SEGMENTS_STATE and seeds the widget on every page.
    remembered = st.session_state.get(SEGMENTS_STATE, [])
    st.session_state[SEGMENTS_WIDGET] = [name for name in remembered if name in options]
    chosen = st.sidebar.multiselect(
        "Segments",
        options,
        key=SEGMENTS_WIDGET,
        on_change=_remember_segments,
        placeholder="All segments",
        help="Show only these RFM segments. Leave empty for all.",
    )
    return tuple(chosen)


def date_range_filter(
    label: str, first: dt.date, last: dt.date, key: str
) -> tuple[dt.date, dt.date]:
    """Sidebar date range within [first, last]; defaults to the whole range."""
    chosen = st.sidebar.date_input(
        label, value=(first, last), min_value=first, max_value=last, key=key
    )
    if isinstance(chosen, tuple) and len(chosen) == 2:
        return chosen[0], chosen[1]
    # Half-picked range (the user clicked one day so far): that day only.
    day = chosen[0] if isinstance(chosen, tuple) and chosen else first
    return day, day


def offer_labels(tables: frozenset[str]) -> dict[str, str]:
    """offer_id -> 'OFF-001 Name' from the offers seed, or {} without it."""
    if "offers" not in tables:
        return {}
    names = load("offer_names")
    return {
        str(row.offer_id): f"{row.offer_id} {row.offer_name}"
        for row in names.itertuples()
    }


def labelled(ids: pd.Series, labels: dict[str, str]) -> pd.Series:
    """Each id's label, or the id itself without one; '(none)' for a missing id."""
    return ids.map(
        lambda value: "(none)" if pd.isna(value) else labels.get(value, value)
    )


def warehouse_caption() -> str:
    """One line naming the warehouse file and when it was last built."""
    path = database_path()
    try:
        built = dt.datetime.fromtimestamp(version(path))
    except WarehouseMissingError:
        return f"Warehouse `{path}` (not built yet)"
    return f"Warehouse `{path}`, built {built:%Y-%m-%d %H:%M}"


def whole(number: float) -> str:
    """A count, or an amount to the currency unit, with thousands separators."""
    return f"{number:,.0f}"


def percent(share: float | None) -> str:
    """A 0-1 share as a percentage; a dash for no value."""
    return "-" if share is None or pd.isna(share) else f"{share:.1%}"


# Column -> (header, number format) for st.dataframe; text columns have no format.
COLUMN_FORMATS: dict[str, tuple[str, str | None]] = {
    "rfm_segment": ("Segment", None),
    "label": ("Name", None),
    "entity_id": ("Id", None),
    "cluster_id": ("Cluster", "plain"),
    "customers": ("Customers", "localized"),
    "customer_share": ("Customer share", "percent"),
    "revenue": ("Revenue", "localized"),
    "revenue_share": ("Revenue share", "percent"),
    "average_recency_days": ("Avg recency (days)", "%.0f"),
    "average_frequency": ("Avg frequency", "%.2f"),
    "average_monetary": ("Avg monetary", "%.2f"),
    "centroid_recency_days": ("Centroid recency (days)", "%.0f"),
    "centroid_frequency": ("Centroid frequency", "%.2f"),
    "centroid_monetary": ("Centroid monetary", "%.2f"),
    "silhouette": ("Silhouette", "%.3f"),
    "impressions": ("Impressions", "localized"),
    "clicks": ("Clicks", "localized"),
    "add_to_carts": ("Add to carts", "localized"),
    "purchases": ("Purchases", "localized"),
    "ctr": ("CTR", "percent"),
    "conversion_rate": ("Conversion", "percent"),
    "from_segment": ("From", None),
    "to_segment": ("To", None),
    "has_moved": ("Moved", None),
}


def table(frame: pd.DataFrame) -> None:
    """`frame` as a dataframe with the house headers and number formats."""
    config: dict[str, Any] = {}
    for column in frame.columns:
        header, number_format = COLUMN_FORMATS.get(column, (column, None))
        config[column] = (
            st.column_config.NumberColumn(header, format=number_format)
            if number_format
            else header
        )
    st.dataframe(frame, hide_index=True, column_config=config)
