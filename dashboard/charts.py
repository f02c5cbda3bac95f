"""Plotly figures for the pages: pure functions from query frames to figures."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

MEASURE_LABELS = {
    "customers": "Customers",
    "revenue": "Revenue",
    "average_monetary": "Average monetary",
    "recency_days": "Recency (days)",
    "frequency": "Frequency (orders)",
    "monetary": "Monetary",
    "impressions": "Impressions",
    "clicks": "Clicks",
    "purchases": "Purchases",
    "ctr": "Click-through rate",
    "conversion_rate": "Conversion rate",
    "customer_share": "Share of customers",
    "revenue_share": "Share of revenue",
}
RATE_MEASURES = ("ctr", "conversion_rate", "customer_share", "revenue_share")
CENTROID_COLOR = "#111111"
# Clearly different hues: the default theme pairs light and dark shades.
CATEGORY_COLORS = px.colors.qualitative.D3
# Enough hues for every segment plus '(new)' and '(gone)'.
SEGMENT_COLORS = px.colors.qualitative.Dark24
# Top margin leaves the chart's toolbar clear of legends and titles.
MARGIN = {"t": 40, "l": 10, "r": 10, "b": 10}
LEGEND_ON_TOP = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
# Room for a legend of up to two rows between the toolbar and the plot.
LEGEND_MARGIN = {**MARGIN, "t": 80}


def segment_treemap(overview: pd.DataFrame) -> go.Figure:
    """Segments sized by customers and coloured by their share of revenue."""
    figure = px.treemap(
        overview,
        path=[px.Constant("All customers"), "rfm_segment"],
        values="customers",
        color="revenue_share",
        color_continuous_scale="Blues",
        hover_data={"revenue": ":,.0f", "customer_share": ":.1%"},
        labels=MEASURE_LABELS,
    )
    figure.update_traces(textinfo="label+value+percent root")
    figure.update_layout(margin=MARGIN, coloraxis_colorbar_tickformat=".0%")
    return figure


def share_bars(overview: pd.DataFrame) -> go.Figure:
    """Each segment's share of customers beside its share of revenue."""
    shares = overview.melt(
        id_vars="rfm_segment",
        value_vars=["customer_share", "revenue_share"],
        var_name="measure",
        value_name="share",
    )
    shares["measure"] = shares["measure"].map(MEASURE_LABELS)
    figure = px.bar(
        shares,
        x="share",
        y="rfm_segment",
        color="measure",
        barmode="group",
        orientation="h",
        color_discrete_sequence=CATEGORY_COLORS,
        labels={"share": "Share", "rfm_segment": "", "measure": ""},
    )
    figure.update_layout(
        xaxis_tickformat=".0%",
        yaxis={
            "categoryorder": "array",
            "categoryarray": overview["rfm_segment"][::-1],
        },
        legend={**LEGEND_ON_TOP, "title": None},
        margin=LEGEND_MARGIN,
    )
    return figure


def rf_heatmap(grid: pd.DataFrame, measure: str) -> go.Figure:
    """The R x F grid: r_score rows (5 on top), f_score columns, `measure` cells."""
    cells = grid.pivot(index="r_score", columns="f_score", values=measure)
    cells = cells.sort_index(ascending=False).sort_index(axis=1)
    figure = px.imshow(
        cells,
        text_auto=",.0f",
        aspect="auto",
        color_continuous_scale="Blues",
        labels={"x": "F score", "y": "R score", "color": MEASURE_LABELS[measure]},
    )
    figure.update_xaxes(type="category", side="bottom")
    figure.update_yaxes(type="category")
    figure.update_layout(margin=MARGIN)
    return figure


def cluster_scatter(
    sample: pd.DataFrame, centroids: pd.DataFrame, x: str, y: str, log_y: bool
) -> go.Figure:
    """Sampled customers coloured by cluster, with each cluster's centroid."""
    points = sample.assign(cluster=sample["cluster_id"].astype(str))
    order = sorted(points["cluster"].unique(), key=int)
    figure = px.scatter(
        points,
        x=x,
        y=y,
        color="cluster",
        category_orders={"cluster": order},
        hover_data=["customer_id", "rfm_segment", "frequency", "monetary"],
        opacity=0.55,
        color_discrete_sequence=CATEGORY_COLORS,
        log_y=log_y,
        labels={**MEASURE_LABELS, "cluster": "Cluster"},
    )
    figure.add_trace(
        go.Scatter(
            x=centroids[f"centroid_{x}"],
            y=centroids[f"centroid_{y}"],
            mode="markers+text",
            text=[f"C{cluster}" for cluster in centroids["cluster_id"]],
            textposition="top center",
            textfont={"color": CENTROID_COLOR, "size": 13},
            marker={
                "symbol": "x",
                "size": 16,
                "color": CENTROID_COLOR,
                "line": {"width": 2, "color": "white"},
            },
            name="Centroids",
        )
    )
    figure.update_layout(margin=LEGEND_MARGIN, legend=LEGEND_ON_TOP)
    return figure


def _sankey_nodes(
    flows: pd.DataFrame,
) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """Labels and indexes of the 'from' nodes (left) and 'to' nodes (right)."""
    sources = flows.groupby("from_segment")["customers"].sum().sort_values()[::-1]
    targets = flows.groupby("to_segment")["customers"].sum().sort_values()[::-1]
    labels = [*sources.index.astype(str), *targets.index.astype(str)]
    source_index = {name: index for index, name in enumerate(sources.index)}
    target_index = {
        name: len(sources) + index for index, name in enumerate(targets.index)
    }
    return labels, source_index, target_index


def segment_colors(names: list[str]) -> list[str]:
    """One colour per segment name, the same on both sides of a Sankey."""
    palette = {
        name: SEGMENT_COLORS[index % len(SEGMENT_COLORS)]
        for index, name in enumerate(sorted(set(names)))
    }
    return [palette[name] for name in names]


def migration_sankey(flows: pd.DataFrame) -> go.Figure:
    """Customers flowing from their earlier segment to their later one."""
    labels, source_index, target_index = _sankey_nodes(flows)
    link_colors = [
        "rgba(31, 119, 180, 0.45)" if moved else "rgba(160, 160, 160, 0.35)"
        for moved in flows["has_moved"]
    ]
    node = {
        "label": labels,
        "color": segment_colors(labels),
        "pad": 12,
        "thickness": 14,
    }
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=node,
            link={
                "source": flows["from_segment"].map(source_index).tolist(),
                "target": flows["to_segment"].map(target_index).tolist(),
                "value": flows["customers"].tolist(),
                "color": link_colors,
            },
        )
    )
    figure.update_layout(margin=MARGIN, height=560)
    return figure


def migration_matrix(flows: pd.DataFrame) -> go.Figure:
    """Customers per (from segment, to segment) as a heatmap."""
    matrix = flows.pivot_table(
        index="from_segment",
        columns="to_segment",
        values="customers",
        aggfunc="sum",
        fill_value=0,
    )
    figure = px.imshow(
        matrix,
        text_auto=",.0f",
        aspect="auto",
        color_continuous_scale="Blues",
        labels={"x": "To segment", "y": "From segment", "color": "Customers"},
    )
    figure.update_layout(margin=MARGIN, height=560)
    return figure


def click_trend(trend: pd.DataFrame, measure: str, entity_label: str) -> go.Figure:
    """One line per offer or product: `measure` per period."""
    figure = px.line(
        trend,
        x="period_date",
        y=measure,
        color="label",
        markers=len(trend["period_date"].unique()) <= 40,
        color_discrete_sequence=CATEGORY_COLORS,
        labels={
            **MEASURE_LABELS,
            "period_date": "",
            "label": entity_label,
        },
    )
    if measure in RATE_MEASURES:
        figure.update_layout(yaxis_tickformat=".1%")
    figure.update_layout(margin=MARGIN)
    return figure


def offer_heatmap(mix: pd.DataFrame) -> go.Figure:
    """Customers per (offer, segment) in next_best_offers."""
    matrix = mix.pivot_table(
        index="offer",
        columns="rfm_segment",
        values="customers",
        aggfunc="sum",
        fill_value=0,
    )
    figure = px.imshow(
        matrix,
        text_auto=",.0f",
        aspect="auto",
        color_continuous_scale="Blues",
        labels={"x": "Segment", "y": "Offer", "color": "Customers"},
    )
    figure.update_layout(margin=MARGIN)
    return figure


def reason_bars(mix: pd.DataFrame) -> go.Figure:
    """Per segment, how many offers come from affinity, cold start or none."""
    reasons = mix.groupby(["rfm_segment", "reason"], as_index=False)["customers"].sum()
    figure = px.bar(
        reasons,
        x="customers",
        y="rfm_segment",
        color="reason",
        orientation="h",
        category_orders={"reason": ["affinity", "cold_start", "no_eligible_offer"]},
        labels={"customers": "Customers", "rfm_segment": "", "reason": "Reason"},
    )
    figure.update_layout(
        barmode="stack",
        yaxis={"categoryorder": "total ascending"},
        legend={**LEGEND_ON_TOP, "title": None},
        margin=LEGEND_MARGIN,
    )
    return figure
