"""The K-Means helpers of python_models/int_clusters_fitted.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

MODEL_PATH = Path(__file__).resolve().parents[1] / "python_models" / "int_clusters_fitted.py"


def load_model_module():
    spec = importlib.util.spec_from_file_location("int_clusters_fitted", MODEL_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


clusters = load_model_module()


def make_buyers(n: int, seed: int = 0) -> pd.DataFrame:
    """Three well separated groups: lapsed small, middling, recent big spenders."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    recency = np.array([300, 60, 5])[group] * rng.uniform(0.8, 1.2, n)
    frequency = np.array([1, 3, 12])[group] * rng.uniform(0.8, 1.2, n)
    monetary = np.array([20, 200, 3000])[group] * rng.uniform(0.8, 1.2, n)
    return pd.DataFrame(
        {
            "recency_days": recency.round(),
            "frequency": np.maximum(1, frequency.round()),
            "monetary": monetary.round(2),
        }
    )


def test_same_data_gives_same_clusters_in_any_row_order():
    buyers = make_buyers(2000)
    first = clusters.fit_clusters(buyers, "auto", random_state=42)
    shuffled = buyers.sample(frac=1, random_state=7).reset_index(drop=True)
    second = clusters.fit_clusters(shuffled, "auto", random_state=42)
    pd.testing.assert_frame_equal(first, second, check_exact=False, rtol=1e-9)


def test_ids_run_from_lowest_to_highest_value():
    result = clusters.fit_clusters(make_buyers(1500), 3, random_state=1)
    assert list(result["cluster_id"]) == [1, 2, 3]
    # Lowest value: oldest, rarest, smallest; highest: the reverse.
    assert result["centroid_recency_days"].is_monotonic_decreasing
    assert result["centroid_frequency"].is_monotonic_increasing
    assert result["centroid_monetary"].is_monotonic_increasing
    value = (
        result["centroid_frequency_z"]
        + result["centroid_monetary_z"]
        - result["centroid_recency_z"]
    )
    assert value.is_monotonic_increasing


def test_centroids_are_reported_in_original_units():
    result = clusters.fit_clusters(make_buyers(1500), 3, random_state=1)
    top = result.iloc[-1]
    assert 3 <= top["centroid_recency_days"] <= 8
    assert 9 <= top["centroid_frequency"] <= 15
    assert 2000 <= top["centroid_monetary"] <= 4000
    assert result["sample_cluster_customers"].sum() == 1500
    assert (result["sample_customers"] == 1500).all()


def test_auto_picks_the_best_silhouette_among_three_to_eight():
    result = clusters.fit_clusters(make_buyers(1500), "auto", random_state=3)
    tried = dict(
        item.split(":") for item in result["fitted_k_candidates"].iloc[0].split("|")
    )
    assert sorted(int(k) for k in tried) == [3, 4, 5, 6, 7, 8]
    best_k = max(tried, key=lambda k: float(tried[k]))
    assert result["cluster_count"].iloc[0] == int(best_k)
    assert result["silhouette"].iloc[0] == pytest.approx(float(tried[best_k]), abs=1e-4)


def test_fixed_k_is_capped_by_distinct_points():
    buyers = pd.DataFrame(
        {"recency_days": [1, 1, 50, 50], "frequency": [2, 2, 1, 1], "monetary": [9, 9, 3, 3]}
    )
    result = clusters.fit_clusters(buyers, 5, random_state=0)
    assert list(result["cluster_id"]) == [1, 2]
    assert (result["silhouette"] == 1.0).all()


def test_a_single_distinct_buyer_gives_one_cluster_without_silhouette():
    buyers = pd.DataFrame({"recency_days": [3, 3], "frequency": [1, 1], "monetary": [5, 5]})
    result = clusters.fit_clusters(buyers, "auto", random_state=0)
    assert list(result["cluster_id"]) == [1]
    assert result["silhouette"].isna().all()


def test_no_buyers_gives_an_empty_typed_frame():
    empty = pd.DataFrame({"recency_days": [], "frequency": [], "monetary": []})
    result = clusters.fit_clusters(empty, "auto", random_state=0)
    assert result.empty
    assert list(result.columns) == list(clusters.OUTPUT_COLUMNS)


def test_constant_feature_does_not_divide_by_zero():
    buyers = make_buyers(300)
    buyers["frequency"] = 1
    result = clusters.fit_clusters(buyers, 3, random_state=0)
    assert (result["frequency_log_std"] == 1.0).all()
    assert np.isfinite(result[["centroid_recency_days", "centroid_monetary"]]).all().all()


@pytest.mark.parametrize("setting", ["0", "1", "two", "-3", "51"])
def test_bad_cluster_setting_is_a_clear_error(setting):
    with pytest.raises(ValueError, match="rfm_clusters"):
        clusters.parse_k(setting)


@pytest.mark.parametrize("setting", ["auto", " AUTO ", ""])
def test_auto_settings(setting):
    assert clusters.parse_k(setting) is None


def test_bad_sample_size_is_a_clear_error():
    with pytest.raises(ValueError, match="rfm_kmeans_sample_size"):
        clusters.parse_sample_size("10")
    assert clusters.parse_sample_size("50000") == 50000


def test_auto_chooses_k_on_the_subsample_and_fits_all_buyers(monkeypatch):
    monkeypatch.setattr(clusters, "SELECTION_SAMPLE_SIZE", 600)
    buyers = make_buyers(3000, seed=5)
    result = clusters.fit_clusters(buyers, "auto", random_state=3)
    tried = dict(
        item.split(":") for item in result["fitted_k_candidates"].iloc[0].split("|")
    )
    assert sorted(int(k) for k in tried) == [3, 4, 5, 6, 7, 8]
    best_k = max(tried, key=lambda k: float(tried[k]))
    assert result["cluster_count"].iloc[0] == int(best_k)
    # The chosen k is fitted on every buyer of the sample, not the subsample.
    assert result["sample_cluster_customers"].sum() == 3000
    assert (result["sample_customers"] == 3000).all()
    shuffled = buyers.sample(frac=1, random_state=11).reset_index(drop=True)
    again = clusters.fit_clusters(shuffled, "auto", random_state=3)
    pd.testing.assert_frame_equal(result, again, check_exact=False, rtol=1e-9)


def test_selection_subsample_is_seeded_and_bounded(monkeypatch):
    monkeypatch.setattr(clusters, "SELECTION_SAMPLE_SIZE", 50)
    points = np.arange(300, dtype="float64").reshape(100, 3)
    first = clusters.selection_subsample(points, random_state=4)
    assert first.shape == (50, 3)
    np.testing.assert_array_equal(first, clusters.selection_subsample(points, 4))
    assert not np.array_equal(first, clusters.selection_subsample(points, 5))
    small = points[:50]
    np.testing.assert_array_equal(clusters.selection_subsample(small, 4), small)


def test_one_labelling_scores_in_chunks_as_the_held_distances_do(monkeypatch):
    monkeypatch.setattr(clusters, "SILHOUETTE_SAMPLE_SIZE", 2000)
    # 2,000 points' distances are 31 MiB: 1 MiB chunks take 66 passes.
    monkeypatch.setattr(clusters, "SILHOUETTE_WORKING_MEMORY_MB", 1)
    logs = clusters.log_features(make_buyers(3000, seed=8))
    points, _, _ = clusters.standardise(logs)
    labels = clusters.fit_kmeans(points, 4, random_state=2).labels_
    held = clusters.silhouette_scorer(points, random_state=2)(labels)
    chunked = clusters.silhouette(points, labels, random_state=2)
    assert held is not None
    assert chunked == pytest.approx(held, rel=1e-12)
    # The same sub-sample as scikit-learn's own sample_size draw.
    drawn = silhouette_score(points, labels, sample_size=2000, random_state=2)
    assert chunked == pytest.approx(drawn, rel=1e-12)
    assert clusters.silhouette(points, np.zeros(3000, dtype=int), 2) is None
