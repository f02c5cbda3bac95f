"""Next-best-offer mix: which offers each segment gets, and why."""

from __future__ import annotations

import streamlit as st

import charts
import ui

REASONS = {
    "affinity": "Affinity",
    "cold_start": "Cold start",
    "no_eligible_offer": "No eligible offer",
}

st.title("Next best offers")
tables = ui.require_marts("next_best_offers", "segment_summary")
segments = ui.segment_filter()
mix = ui.load("offer_mix", segments)
if mix.empty:
    ui.stop_with_info(
        "next_best_offers has no customers in the chosen segments. "
        + ui.MART_HINTS["next_best_offers"]
    )
labels = ui.offer_labels(tables)
mix["offer"] = ui.labelled(mix["offer_id"], labels)

customers = mix["customers"].sum()
by_reason = mix.groupby("reason")["customers"].sum()
columns = st.columns(len(REASONS) + 1)
columns[0].metric("Customers", ui.whole(customers))
for column, (reason, title) in zip(columns[1:], REASONS.items(), strict=True):
    column.metric(title, ui.percent(by_reason.get(reason, 0) / customers))
st.caption(
    "Affinity: the eligible offer for the product the customer engaged with most. "
    "Cold start: no history with an eligible product, so the offer whose product "
    "is most popular in the segment."
)

st.subheader("Offers x segments")
st.plotly_chart(charts.offer_heatmap(mix))
st.subheader("Why that offer")
st.plotly_chart(charts.reason_bars(mix))
