"""Clickstream by offer or product over time: impressions, CTR and conversion."""

from __future__ import annotations

import streamlit as st

import charts
import ui
from queries import CLICK_MARTS, TIME_GRAINS

DIMENSIONS = {"offer": "Offer", "product": "Product"}
TREND_MEASURES = ("impressions", "clicks", "purchases", "ctr", "conversion_rate")

st.title("Clicks by offer and product")
dimension = st.sidebar.segmented_control(
    "By",
    list(DIMENSIONS),
    default="offer",
    required=True,
    format_func=DIMENSIONS.get,
    key="clicks_dimension",
)
tables = ui.require_marts(CLICK_MARTS[dimension][0])
dates = ui.load("click_date_range", dimension)
first, last = dates.iloc[0]
if dates.isna().any(axis=None):
    ui.stop_with_info(f"No clickstream events have been loaded. {ui.CLICKSTREAM_HINT}")

start, end = ui.date_range_filter(
    "Event dates", first.date(), last.date(), key=f"clicks_dates_{dimension}"
)
grain = st.sidebar.selectbox("Period", TIME_GRAINS, index=1, key="clicks_grain")
measure = st.sidebar.selectbox(
    "Trend of",
    TREND_MEASURES,
    format_func=charts.MEASURE_LABELS.get,
    key="clicks_measure",
)
top_n = st.sidebar.slider("Lines", 1, 15, 8, key="clicks_top_n")

totals = ui.load("click_totals", dimension, start, end)
if totals.empty:
    ui.stop_with_info("No clickstream events between these dates.")
labels = ui.offer_labels(tables) if dimension == "offer" else {}
totals.insert(0, "label", ui.labelled(totals["entity_id"], labels))

impressions, clicks = totals["impressions"].sum(), totals["clicks"].sum()
columns = st.columns(4)
columns[0].metric("Impressions", ui.whole(impressions))
columns[1].metric("Clicks", ui.whole(clicks))
columns[2].metric("CTR", ui.percent(clicks / impressions if impressions else None))
columns[3].metric(
    "Conversion", ui.percent(totals["purchases"].sum() / clicks if clicks else None)
)

trend = ui.load("click_trend", dimension, start, end, grain, top_n)
trend["label"] = ui.labelled(trend["entity_id"], labels)
st.subheader(f"{charts.MEASURE_LABELS[measure]} per {grain}, top {top_n} by clicks")
st.plotly_chart(charts.click_trend(trend, measure, DIMENSIONS[dimension]))

st.subheader(f"By {dimension}, {start:%Y-%m-%d} to {end:%Y-%m-%d}")
ui.table(totals if dimension == "offer" else totals.drop(columns="label"))
