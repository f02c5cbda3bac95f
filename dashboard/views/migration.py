"""Segment migration: how customers moved between segments from one as-of date to
the next, from the segment_transitions mart."""

from __future__ import annotations

import streamlit as st

import charts
import ui

st.title("Segment migration")
ui.require_marts("segment_transitions", "segment_summary")
segments = ui.segment_filter()
pairs = ui.load("transition_date_pairs")
if pairs.empty:
    ui.stop_with_info(
        "There is no segment history to compare yet: the warehouse has been built "
        "on a single as-of date. Every build on a later as-of date adds to the "
        "history, as new data arrives or with the `as_of_date` var: on a fresh "
        "warehouse, `dbt build --vars \"{as_of_date: '2026-01-01'}\"` with a date "
        "before your latest data, then `dbt build`."
    )

pair_labels = [
    f"{row.from_as_of_date:%Y-%m-%d} -> {row.to_as_of_date:%Y-%m-%d}"
    for row in pairs.itertuples()
]
chosen = st.sidebar.selectbox(
    "As-of dates",
    range(len(pairs)),
    format_func=pair_labels.__getitem__,
    key="migration_pair",
)
show_stayers = st.sidebar.checkbox(
    "Include customers who stayed", value=True, key="migration_stayers"
)
pair = pairs.iloc[chosen]
flows = ui.load(
    "transitions",
    pair["from_as_of_date"].date(),
    pair["to_as_of_date"].date(),
    segments,
)
if not show_stayers:
    flows = flows[flows["has_moved"]]
if flows.empty:
    ui.stop_with_info("No customers made these moves.")

moved = flows.loc[flows["has_moved"], "customers"].sum()
columns = st.columns(3)
columns[0].metric("Customers", ui.whole(flows["customers"].sum()))
columns[1].metric("Changed segment", ui.whole(moved))
columns[2].metric("Share that moved", ui.percent(moved / flows["customers"].sum()))

sankey_tab, matrix_tab, table_tab = st.tabs(["Flows", "From x to", "Table"])
with sankey_tab:
    st.caption("Left: segment on the earlier date. Right: on the later date.")
    st.plotly_chart(charts.migration_sankey(flows))
with matrix_tab:
    st.plotly_chart(charts.migration_matrix(flows))
with table_tab:
    ui.table(flows)
