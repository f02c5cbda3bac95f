"""K-Means on the RFM features: one row per fitted cluster.

Fits scikit-learn K-Means on a bounded, deterministic sample of buyers
(customers with at least one order), in the space of standardised
log1p(recency_days), log1p(frequency) and log1p(monetary). With auto, k is
chosen on a smaller seeded sub-sample (every k in 3..8, best silhouette), and
only the chosen k is fitted on the whole sample. Each output row holds
the centroid in that space and in original units, the scaler used, the sample
sizes, the silhouette and the inertia. Assignment of every buyer happens in SQL
(int_customers_clustered), so only the sample ever enters Python.

Cluster ids are canonical: 1 is the lowest-value cluster and k the highest,
value being frequency_z + monetary_z - recency_z of the centroid, so an id keeps
its meaning from run to run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

FEATURES = ("recency", "frequency", "monetary")
AUTO_K_RANGE = range(3, 9)
SILHOUETTE_SAMPLE_SIZE = 5000
# Scoring one labelling, scikit-learn works through the sub-sample's
# distances this many MiB at a time instead of holding all of them (191 MiB
# for 5,000 points): the model runs inside dbt, beside DuckDB's buffer pool.
SILHOUETTE_WORKING_MEMORY_MB = 32
SELECTION_SAMPLE_SIZE = 10000
SELECTION_N_INIT = 3
N_INIT = 10

OUTPUT_COLUMNS = {
    "cluster_id": "int64",
    "cluster_count": "int64",
    "recency_log_mean": "float64",
    "recency_log_std": "float64",
    "frequency_log_mean": "float64",
    "frequency_log_std": "float64",
    "monetary_log_mean": "float64",
    "monetary_log_std": "float64",
    "centroid_recency_z": "float64",
    "centroid_frequency_z": "float64",
    "centroid_monetary_z": "float64",
    "centroid_recency_days": "float64",
    "centroid_frequency": "float64",
    "centroid_monetary": "float64",
    "silhouette": "float64",
    "inertia": "float64",
    "sample_customers": "int64",
    "sample_cluster_customers": "int64",
    "fitted_k_candidates": "object",
}


def parse_k(setting: object) -> int | None:
    """The rfm_clusters var as a fixed k, or None for 'auto'."""
    text = str(setting).strip().lower()
    if text in ("", "auto", "none"):
        return None
    if not text.isdigit() or not 2 <= int(text) <= 50:
        raise ValueError(
            f"var rfm_clusters must be 'auto' or a whole number from 2 to 50, "
            f"got '{setting}'"
        )
    return int(text)


def log_features(buyers: pd.DataFrame) -> np.ndarray:
    """log1p of recency_days, frequency and monetary, as an (n, 3) array."""
    columns = ["recency_days", "frequency", "monetary"]
    return np.log1p(buyers[columns].to_numpy(dtype="float64"))


def standardise(logs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-scores of each column, with the means and (never zero) deviations."""
    means = logs.mean(axis=0)
    stds = logs.std(axis=0)
    stds = np.where(stds > 1e-9, stds, 1.0)
    return (logs - means) / stds, means, stds


def selection_subsample(points: np.ndarray, random_state: int) -> np.ndarray:
    """At most SELECTION_SAMPLE_SIZE rows of `points`, a seeded random pick.

    Indexes are drawn from a generator seeded with random_state and kept in
    their original (sorted) order, so the same points give the same subsample.
    """
    if len(points) <= SELECTION_SAMPLE_SIZE:
        return points
    rng = np.random.default_rng(random_state)
    picked = np.sort(rng.choice(len(points), SELECTION_SAMPLE_SIZE, replace=False))
    return points[picked]


def fit_kmeans(
    points: np.ndarray, k: int, random_state: int, n_init: int = N_INIT
) -> KMeans:
    """One deterministic K-Means fit: n_init k-means++ restarts."""
    return KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(points)


def silhouette_sample(points: np.ndarray, random_state: int) -> np.ndarray:
    """The indexes silhouette_score draws with sample_size and random_state."""
    return check_random_state(random_state).permutation(len(points))[
        : min(SILHOUETTE_SAMPLE_SIZE, len(points))
    ]


def defined(labels: np.ndarray) -> bool:
    """Whether a silhouette of these labels is defined."""
    distinct = len(np.unique(labels))
    return 2 <= distinct < len(labels)


def silhouette(
    points: np.ndarray, labels: np.ndarray, random_state: int
) -> float | None:
    """The silhouette of one labelling on the bounded sub-sample, or None.

    Its distances are worked through in SILHOUETTE_WORKING_MEMORY_MB chunks,
    never held whole.
    """
    if not defined(labels):
        return None
    picked = silhouette_sample(points, random_state)
    with config_context(working_memory=SILHOUETTE_WORKING_MEMORY_MB):
        return float(silhouette_score(points[picked], labels[picked]))


def silhouette_scorer(
    points: np.ndarray, random_state: int
) -> Callable[[np.ndarray], float | None]:
    """A function of labels giving their silhouette on a bounded sub-sample.

    For scoring many labellings of the same points (one per k tried): the
    sub-sample's pairwise distances are computed once and held while the
    function lives. The sub-sample and the scores are silhouette()'s.
    """
    picked = silhouette_sample(points, random_state)
    distances = pairwise_distances(points[picked])

    def score(labels: np.ndarray) -> float | None:
        if not defined(labels):
            return None
        return float(
            silhouette_score(distances, labels[picked], metric="precomputed")
        )

    return score


def choose_model(
    points: np.ndarray, fixed_k: int | None, random_state: int
) -> tuple[KMeans, float | None, str]:
    """The fitted model, its silhouette and a record of the k values tried.

    With a fixed k, that k (capped at the number of distinct points). With
    auto, every k in 3..8 the data allows is fitted on the selection
    subsample (SELECTION_N_INIT restarts) and scored by its silhouette there;
    the best (the smaller k on a tie) is then fitted on all points. The
    silhouette returned is that final model's, on all points. A sample no
    bigger than SELECTION_SAMPLE_SIZE is fitted and scored whole.
    """
    distinct_points = len(np.unique(points, axis=0))
    if fixed_k is not None:
        k = max(1, min(fixed_k, distinct_points))
        model = fit_kmeans(points, k, random_state)
        return model, silhouette(points, model.labels_, random_state), str(k)

    candidates = [k for k in AUTO_K_RANGE if k < distinct_points]
    if not candidates:
        k = max(1, min(min(AUTO_K_RANGE), distinct_points))
        model = fit_kmeans(points, k, random_state)
        return model, silhouette(points, model.labels_, random_state), str(k)

    subsample = selection_subsample(points, random_state)
    # A sample no bigger than the subsample is its own subsample: every k gets
    # the full N_INIT restarts and the best fit is the final model.
    whole = len(subsample) == len(points)
    k, fitted, score, tried = select_k(subsample, candidates, random_state, whole)
    if whole:
        return fitted, score, tried
    model = fit_kmeans(points, k, random_state)
    return model, silhouette(points, model.labels_, random_state), tried


def select_k(
    subsample: np.ndarray, candidates: list[int], random_state: int, whole: bool
) -> tuple[int, KMeans, float | None, str]:
    """The best k on the subsample, its fit and silhouette, and every k's score.

    The subsample's distances are freed when this returns, before the final
    fit on the whole sample.
    """
    best = None
    tried = []
    score_labels = silhouette_scorer(subsample, random_state)
    for k in candidates:
        fitted = fit_kmeans(
            subsample, k, random_state, n_init=N_INIT if whole else SELECTION_N_INIT
        )
        score = score_labels(fitted.labels_)
        tried.append(f"{k}:{score:.4f}" if score is not None else f"{k}:")
        if best is None or (score is not None and score > best[2]):
            best = (k, fitted, score)
    return (*best, "|".join(tried))


def canonical_order(centroids: np.ndarray) -> np.ndarray:
    """Original cluster indexes from lowest to highest value.

    Value is frequency_z + monetary_z - recency_z; ties fall back to monetary,
    then frequency, then recency, so the order is total and reproducible.
    """
    recency, frequency, monetary = centroids[:, 0], centroids[:, 1], centroids[:, 2]
    value = frequency + monetary - recency
    return np.lexsort((-recency, frequency, monetary, value))


def empty_clusters() -> pd.DataFrame:
    """The output frame with no rows (no buyers yet)."""
    return pd.DataFrame(
        {name: pd.Series(dtype=dtype) for name, dtype in OUTPUT_COLUMNS.items()}
    )


def fit_clusters(
    sample: pd.DataFrame, k_setting: object, random_state: int
) -> pd.DataFrame:
    """One row per canonical cluster, fitted on `sample`.

    `sample` has recency_days, frequency and monetary, one row per buyer
    (a customer with at least one order). Its row order does not matter.
    """
    fixed_k = parse_k(k_setting)
    if sample.empty:
        return empty_clusters()
    logs = log_features(sample)
    # Sorted rows: K-Means++ seeding depends on row order, the answer must not.
    logs = logs[np.lexsort(logs.T[::-1])]
    points, means, stds = standardise(logs)
    model, score, tried = choose_model(points, fixed_k, random_state)

    order = canonical_order(model.cluster_centers_)
    centroids_z = model.cluster_centers_[order]
    centroids = np.expm1(centroids_z * stds + means)
    sizes = np.bincount(model.labels_, minlength=len(order))[order]

    rows = {
        "cluster_id": np.arange(1, len(order) + 1),
        "cluster_count": np.full(len(order), len(order)),
        "silhouette": np.full(len(order), np.nan if score is None else score),
        "inertia": np.full(len(order), float(model.inertia_)),
        "sample_customers": np.full(len(order), len(sample)),
        "sample_cluster_customers": sizes,
        "fitted_k_candidates": [tried] * len(order),
    }
    for position, feature in enumerate(FEATURES):
        rows[f"{feature}_log_mean"] = np.full(len(order), means[position])
        rows[f"{feature}_log_std"] = np.full(len(order), stds[position])
        rows[f"centroid_{feature}_z"] = centroids_z[:, position]
    rows["centroid_recency_days"] = centroids[:, 0]
    rows["centroid_frequency"] = centroids[:, 1]
    rows["centroid_monetary"] = centroids[:, 2]
    return pd.DataFrame(rows)[list(OUTPUT_COLUMNS)].astype(OUTPUT_COLUMNS)


def parse_sample_size(setting: object) -> int:
    """The rfm_kmeans_sample_size var as a positive whole number."""
    text = str(setting).strip()
    if not text.isdigit() or int(text) < 100:
        raise ValueError(
            f"var rfm_kmeans_sample_size must be a whole number >= 100, "
            f"got '{setting}'"
        )
    return int(text)


def model(dbt, session):
    dbt.config(materialized="table")
    sample_size = parse_sample_size(dbt.config.get("rfm_kmeans_sample_size"))
    # The sample is the first buyers by a hash of customer_id: independent of
    # row order, and mostly the same customers as the data grows. DuckDB picks
    # them with a top-n, so only the sample reaches Python.
    sample = (
        dbt.ref("int_customers_summarized")
        .filter("frequency > 0")
        .order("hash(customer_id), customer_id")
        .limit(sample_size)
        .project("recency_days, frequency, monetary")
        .arrow()
    )
    if hasattr(sample, "read_all"):
        sample = sample.read_all()
    # One native thread: the model runs inside the dbt process while DuckDB
    # builds other models, and OpenMP/BLAS workers spinning on contended cores
    # made the fit several times slower than a single thread.
    with threadpool_limits(limits=1):
        clusters = fit_clusters(
            sample.to_pandas(),
            k_setting=dbt.config.get("rfm_clusters"),
            random_state=int(dbt.config.get("rfm_kmeans_random_state")),
        )
    return clusters
