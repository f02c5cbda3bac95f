"""The R x F grid: customers and money per (recency score, frequency score) cell."""

from __future__ import annotations

import streamlit as st

import charts
import ui

MEASURES = ("customers", "average_monetary", "revenue")

st.title("R x F grid")
ui.require_marts("customer_segments", "segment_summary")
segments = ui.segment_filter()
measure = st.sidebar.radio(
    "Cell value",
    MEASURES,
    format_func=charts.MEASURE_LABELS.get,
    key="rf_grid_measure",
)
grid = ui.load("rf_grid", segments)
if grid.empty:
    ui.stop_with_info("No scored customers (buyers) in the chosen segments.")

columns = st.columns(3)
columns[0].metric("Scored customers", ui.whole(grid["customers"].sum()))
columns[1].metric("Revenue", ui.whole(grid["revenue"].sum()))
columns[2].metric(
    "Average monetary",
    ui.whole(grid["revenue"].sum() / grid["customers"].sum()),
)
st.caption(
    "Rows: recency score (5 = bought most recently). Columns: frequency score "
    "(5 = buys most often). Customers without an order have no scores."
)
st.plotly_chart(charts.rf_heatmap(grid, measure))
