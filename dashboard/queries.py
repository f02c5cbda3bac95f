"""Every query the dashboard runs: pure functions from a path and filters to a frame.

Filter values always travel as `?` parameters. The only names put into SQL text
are the mart and column names of `CLICK_MARTS`, chosen from that fixed mapping.
An empty `segments` tuple means every segment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from warehouse import read

SEGMENT_MARTS = ("customer_segments", "segment_summary")
CLICK_MARTS = {
    "offer": ("clicks_by_offer", "offer_id"),
    "product": ("clicks_by_product", "product_id"),
}
TIME_GRAINS = ("day", "week", "month")

# Keeps rows whose segment is in the list parameter; an empty list keeps all.
# Each use takes the list twice (see `_segment_params`).
IN_SEGMENTS = "(len(?::varchar[]) = 0 or list_contains(?::varchar[], rfm_segment))"


def _segment_params(segments: tuple[str, ...]) -> list[list[str]]:
    """The parameters of one IN_SEGMENTS clause."""
    return [list(segments), list(segments)]


def catalog(path: Path) -> pd.DataFrame:
    """The names of the tables and views of the `main` schema."""
    sql = """
        select table_name
        from information_schema.tables
        where table_schema = 'main'
        order by table_name
    """
    return read(path, sql)


def segment_names(path: Path) -> pd.DataFrame:
    """Segments that have customers, the largest first."""
    sql = """
        select rfm_segment
        from segment_summary
        where customers > 0
        order by customers desc, rfm_segment
    """
    return read(path, sql)


def segment_overview(path: Path, segments: tuple[str, ...]) -> pd.DataFrame:
    """segment_summary for the chosen segments, the largest first."""
    sql = f"""
        select
            rfm_segment,
            as_of_date,
            customers,
            customer_share,
            cast(revenue as double) as revenue,
            revenue_share,
            average_recency_days,
            average_frequency,
            average_monetary
        from segment_summary
        where {IN_SEGMENTS}
        order by customers desc, rfm_segment
    """
    return read(path, sql, _segment_params(segments))


def rf_grid(path: Path, segments: tuple[str, ...]) -> pd.DataFrame:
    """Customers, revenue and average monetary per scored (r_score, f_score) cell."""
    sql = f"""
        select
            r_score,
            f_score,
            count(*) as customers,
            cast(sum(monetary) as double) as revenue,
            cast(avg(monetary) as double) as average_monetary
        from customer_segments
        where r_score is not null and f_score is not null and {IN_SEGMENTS}
        group by 1, 2
        order by 1, 2
    """
    return read(path, sql, _segment_params(segments))


def cluster_sample(
    path: Path, segments: tuple[str, ...], sample_size: int
) -> pd.DataFrame:
    """A fixed pseudo-random sample of clustered customers (the same every run)."""
    sql = f"""
        select
            customer_id,
            cluster_id,
            rfm_segment,
            recency_days,
            frequency,
            cast(monetary as double) as monetary
        from customer_segments
        where cluster_id is not null and {IN_SEGMENTS}
        order by hash(customer_id), customer_id
        limit ?
    """
    return read(path, sql, [*_segment_params(segments), sample_size])


def clusters(path: Path) -> pd.DataFrame:
    """One row per K-Means cluster: size, revenue, centroid and fit quality."""
    sql = """
        select
            cluster_id,
            customers,
            customer_share,
            cast(revenue as double) as revenue,
            centroid_recency_days,
            centroid_frequency,
            centroid_monetary,
            average_recency_days,
            average_frequency,
            average_monetary,
            silhouette
        from rfm_clusters
        order by cluster_id
    """
    return read(path, sql)


def transition_date_pairs(path: Path) -> pd.DataFrame:
    """The (from, to) as-of date pairs in segment_transitions, the latest first."""
    sql = """
        select distinct from_as_of_date, to_as_of_date
        from segment_transitions
        order by to_as_of_date desc, from_as_of_date desc
    """
    return read(path, sql)


def transitions(
    path: Path,
    from_date: dt.date,
    to_date: dt.date,
    segments: tuple[str, ...],
) -> pd.DataFrame:
    """Moves between two as-of dates that start or end in the chosen segments."""
    sql = """
        select from_segment, to_segment, customers, has_moved
        from segment_transitions
        where
            from_as_of_date = ?
            and to_as_of_date = ?
            and (
                len(?::varchar[]) = 0
                or list_contains(?::varchar[], from_segment)
                or list_contains(?::varchar[], to_segment)
            )
        order by customers desc, from_segment, to_segment
    """
    chosen = list(segments)
    return read(path, sql, [from_date, to_date, chosen, chosen, chosen])


def _click_mart(dimension: str) -> tuple[str, str]:
    """The mart and key column for 'offer' or 'product'."""
    if dimension not in CLICK_MARTS:
        raise ValueError(f"dimension must be one of {sorted(CLICK_MARTS)}")
    return CLICK_MARTS[dimension]


def click_date_range(path: Path, dimension: str) -> pd.DataFrame:
    """The first and last event_date in the clicks mart of `dimension`."""
    mart, _ = _click_mart(dimension)
    sql = f"""
        select
            min(event_date) as first_event_date,
            max(event_date) as last_event_date
        from {mart}
    """
    return read(path, sql)


def click_totals(
    path: Path, dimension: str, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Per offer or product between two dates: counts, CTR and conversion rate."""
    mart, key = _click_mart(dimension)
    sql = f"""
        with

        totals as (

            select
                {key} as entity_id,
                sum(impressions) as impressions,
                sum(clicks) as clicks,
                sum(add_to_carts) as add_to_carts,
                sum(purchases) as purchases
            from {mart}
            where event_date between ? and ?
            group by 1

        )

        select
            entity_id,
            impressions,
            clicks,
            add_to_carts,
            purchases,
            clicks / nullif(impressions, 0) as ctr,
            purchases / nullif(clicks, 0) as conversion_rate
        from totals
        order by impressions desc, clicks desc, entity_id
    """
    return read(path, sql, [start, end])


def click_trend(
    path: Path,
    dimension: str,
    start: dt.date,
    end: dt.date,
    grain: str,
    top_n: int,
) -> pd.DataFrame:
    """Counts and rates per period for the `top_n` offers or products by clicks."""
    mart, key = _click_mart(dimension)
    if grain not in TIME_GRAINS:
        raise ValueError(f"grain must be one of {TIME_GRAINS}")
    sql = f"""
        with

        window_events as (

            select * from {mart}
            where event_date between ? and ?

        ),

        top_entities as (

            select {key} as entity_id
            from window_events
            group by 1
            order by sum(clicks) desc, sum(impressions) desc, 1
            limit ?

        ),

        periods as (

            select
                cast(date_trunc(?, window_events.event_date) as date) as period_date,
                window_events.{key} as entity_id,
                sum(window_events.impressions) as impressions,
                sum(window_events.clicks) as clicks,
                sum(window_events.purchases) as purchases
            from window_events
            inner join top_entities
                on window_events.{key} = top_entities.entity_id
            group by 1, 2

        )

        select
            period_date,
            entity_id,
            impressions,
            clicks,
            purchases,
            clicks / nullif(impressions, 0) as ctr,
            purchases / nullif(clicks, 0) as conversion_rate
        from periods
        order by period_date, entity_id
    """
    return read(path, sql, [start, end, top_n, grain])


def offer_names(path: Path) -> pd.DataFrame:
    """offer_id and offer_name from the offers seed."""
    return read(path, "select offer_id, offer_name from offers order by offer_id")


def offer_mix(path: Path, segments: tuple[str, ...]) -> pd.DataFrame:
    """Customers per segment, offer and reason in next_best_offers."""
    sql = f"""
        select
            rfm_segment,
            offer_id,
            reason,
            count(*) as customers
        from next_best_offers
        where {IN_SEGMENTS}
        group by 1, 2, 3
        order by 1, 2, 3
    """
    return read(path, sql, _segment_params(segments))
