"""K-Means clusters on recency, frequency and monetary: a sample and the centroids."""

from __future__ import annotations

import streamlit as st

import charts
import ui

AXES = ("recency_days", "frequency", "monetary")
SAMPLE_SIZES = (500, 1000, 2000, 5000)

st.title("Clusters")
ui.require_marts("customer_segments", "segment_summary", "rfm_clusters")
segments = ui.segment_filter()
sample_size = st.sidebar.select_slider(
    "Customers plotted", SAMPLE_SIZES, value=2000, key="cluster_sample_size"
)
x = st.sidebar.selectbox(
    "X axis", AXES, index=0, format_func=charts.MEASURE_LABELS.get, key="cluster_x"
)
y = st.sidebar.selectbox(
    "Y axis", AXES, index=2, format_func=charts.MEASURE_LABELS.get, key="cluster_y"
)
log_y = st.sidebar.checkbox("Log scale for Y", value=True, key="cluster_log_y")

centroids = ui.load("clusters")
sample = ui.load("cluster_sample", segments, sample_size)
if centroids.empty or sample.empty:
    ui.stop_with_info("No clustered customers (buyers) in the chosen segments.")

columns = st.columns(3)
columns[0].metric("Clusters", len(centroids))
columns[1].metric("Silhouette", f"{centroids['silhouette'].iloc[0]:.3f}")
columns[2].metric("Customers plotted", ui.whole(len(sample)))
st.caption(
    "A fixed sample of customers, coloured by cluster; crosses mark each "
    "cluster's centroid."
)
st.plotly_chart(charts.cluster_scatter(sample, centroids, x, y, log_y))

st.subheader("Clusters")
ui.table(centroids.drop(columns="silhouette"))
