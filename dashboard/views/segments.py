"""Segment overview: how many customers and how much revenue each segment holds."""

from __future__ import annotations

import streamlit as st

import charts
import ui

st.title("Segment overview")
ui.require_marts("segment_summary")
segments = ui.segment_filter()
overview = ui.load("segment_overview", segments)
if overview.empty:
    ui.stop_with_info("No customers in the chosen segments.")

columns = st.columns(4)
columns[0].metric("Customers", ui.whole(overview["customers"].sum()))
columns[1].metric("Revenue", ui.whole(overview["revenue"].sum()))
columns[2].metric("Segments", len(overview))
columns[3].metric("As of", f"{overview['as_of_date'].max():%Y-%m-%d}")

left, right = st.columns([3, 2])
with left:
    st.subheader("Customers by segment")
    st.caption("Area: customers. Colour: share of revenue.")
    st.plotly_chart(charts.segment_treemap(overview))
with right:
    st.subheader("Share of customers and revenue")
    st.plotly_chart(charts.share_bars(overview))

st.subheader("Segment summary")
ui.table(overview.drop(columns="as_of_date"))
