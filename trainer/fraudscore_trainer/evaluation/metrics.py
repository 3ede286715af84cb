"""Evaluation metrics, decision thresholds and probability calibration.

Everything here takes 0/1 labels ``y`` and scores ``p`` as 1-D arrays and returns plain Python
numbers, so the results can go straight into JSON, the Markdown report and the model file.
Evaluation runs at the natural fraud prevalence (~0.13 %), so the helpers are careful with the
degenerate cases that prevalence produces: splits with no positives, empty probability bins and
divisions by zero.

Calibration bins (``ece`` and ``calibration_table``) are 10 *equal-width* bins over [0, 1]:
at this prevalence almost every score is near 0, so equal-frequency bins would all sit there and
say nothing about the high-score region where the fraud decisions are made.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

_PLATT_MAX_ITER = 100
_PLATT_TOL = 1e-10
_PLATT_RIDGE = 1e-12
_F1_TIE_TOL = 1e-12


def fit_platt(logits, y) -> tuple[float, float]:
    """Fit Platt scaling ``p = sigmoid(a * z + b)`` on the network's logits ``z``.

    Newton's method with backtracking (Lin, Lin & Weng 2007) on the log-likelihood, using
    Platt's smoothed targets ``(N+ + 1) / (N+ + 2)`` and ``1 / (N- + 2)`` instead of 1 and 0: with
    a handful of positives, or logits that separate the classes, the plain maximum-likelihood
    fit runs off to infinity, while the smoothed one stays finite and barely differs otherwise.
    The loss is written with ``logaddexp`` so logits such as +-40 (or far beyond) cannot overflow.
    """
    z = _as_scores(logits, "logits")
    labels = _as_labels(y, len(z))
    positives = int(labels.sum())
    negatives = len(labels) - positives
    target = np.where(labels == 1, (positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0))
    params = np.array([0.0, math.log((positives + 1.0) / (negatives + 1.0))])
    loss = _platt_loss(params, z, target)
    for _ in range(_PLATT_MAX_ITER):
        gradient, hessian = _platt_derivatives(params, z, target)
        if np.max(np.abs(gradient)) < _PLATT_TOL * len(z):
            break
        step = np.linalg.solve(hessian, -gradient)
        params, loss, improved = _backtrack(params, step, gradient, loss, z, target)
        if not improved:
            break
    return float(params[0]), float(params[1])


def apply_platt(logits, a: float, b: float) -> np.ndarray:
    """Calibrated probabilities ``sigmoid(a * z + b)`` as float64 (``expit`` never overflows)."""
    z = np.asarray(logits, dtype=np.float64)
    return expit(a * z + b)


def tune_threshold_max_f1(y, p) -> float:
    """The score threshold with the highest F1; ``p >= threshold`` reproduces that F1.

    The candidates are the observed scores, so the threshold is one of them. Ties go to the
    higher threshold (fewer alerts for the same F1). Raises ValueError without positives, where
    every threshold has F1 = 0 and "tuning" would pick noise.
    """
    labels, scores = _check_pair(y, p)
    _require_positives(labels)
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    precision, recall = precision[:-1], recall[:-1]
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(denominator),
                   where=denominator > 0)
    best = np.flatnonzero(f1 >= f1.max() - _F1_TIE_TOL)[-1]
    return float(thresholds[best])


def threshold_for_recall(y, p, recall: float) -> float:
    """The highest threshold whose recall (``p >= threshold``) is still at least ``recall``.

    Used to report an operating point with a guaranteed share of fraud caught.
    """
    if not 0.0 <= recall <= 1.0:
        raise ValueError(f"recall must be in [0, 1], got {recall}")
    labels, scores = _check_pair(y, p)
    _require_positives(labels)
    _, recalls, thresholds = precision_recall_curve(labels, scores)
    reaching = np.flatnonzero(recalls[:-1] >= recall)
    return float(thresholds[reaching[-1]])


def at_threshold(y, p, threshold: float) -> dict:
    """Confusion counts and the metrics derived from them for ``p >= threshold``.

    Precision, recall and F1 are 0 where their denominator is 0, never NaN or a warning.
    """
    labels, scores = _check_pair(y, p)
    predicted = scores >= threshold
    actual = labels == 1
    tp = int(np.sum(predicted & actual))
    fp = int(np.sum(predicted & ~actual))
    fn = int(np.sum(~predicted & actual))
    tn = int(np.sum(~predicted & ~actual))
    return {
        "threshold": float(threshold),
        "accuracy": (tp + tn) / len(labels),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
    }


def summary(y, p, threshold: float) -> dict:
    """Threshold-free metrics (AUCs, Brier, 10-bin equal-width ECE) plus ``at_threshold``.

    ``p`` must be probabilities in [0, 1]. AUCs that are undefined for the split (no positives,
    or no negatives for ROC-AUC) are NaN rather than an exception, so one empty split does not
    abort a whole evaluation run.
    """
    labels, probs = _check_pair(y, p)
    _require_probabilities(probs)
    positives = int(labels.sum())
    both_classes = 0 < positives < len(labels)
    result = {
        "roc_auc": float(roc_auc_score(labels, probs)) if both_classes else math.nan,
        "pr_auc": float(average_precision_score(labels, probs)) if positives else math.nan,
        "brier": float(np.mean((probs - labels) ** 2)),
        "ece": expected_calibration_error(labels, probs),
        "prevalence": positives / len(labels),
        "n": len(labels),
        "positives": positives,
    }
    result.update(at_threshold(labels, probs, threshold))
    return result


def expected_calibration_error(y, p, bins: int = 10) -> float:
    """Count-weighted mean |mean predicted - observed rate| over equal-width probability bins."""
    rows = calibration_table(y, p, bins)
    n = sum(row["count"] for row in rows)
    return float(sum(row["count"] * abs(row["mean_predicted"] - row["observed_rate"])
                     for row in rows) / n)


def calibration_table(y, p, bins: int = 10) -> list[dict]:
    """Reliability table over ``bins`` equal-width bins of [0, 1]; empty bins are left out.

    Each row has ``bin_lower``, ``bin_upper``, ``mean_predicted``, ``observed_rate``, ``count``
    and ``positives``; the counts sum to ``len(y)``. A score of exactly 1 falls in the last bin.
    """
    if bins < 1:
        raise ValueError(f"bins must be positive, got {bins}")
    labels, probs = _check_pair(y, p)
    _require_probabilities(probs)
    index = np.minimum((probs * bins).astype(np.int64), bins - 1)
    rows = []
    for b in np.unique(index):
        members = index == b
        rows.append({
            "bin_lower": float(b / bins),
            "bin_upper": float((b + 1) / bins),
            "mean_predicted": float(probs[members].mean()),
            "observed_rate": float(labels[members].mean()),
            "count": int(members.sum()),
            "positives": int(labels[members].sum()),
        })
    return rows


def _platt_loss(params, z, target) -> float:
    """Cross-entropy of smoothed targets, ``sum(softplus(f) - t * f)``, overflow-free."""
    f = params[0] * z + params[1]
    return float(np.sum(np.logaddexp(0.0, f) - target * f))


def _platt_derivatives(params, z, target):
    """Gradient and (ridge-stabilised) Hessian of ``_platt_loss`` in (a, b)."""
    prob = expit(params[0] * z + params[1])
    residual = prob - target
    weight = prob * (1.0 - prob)
    gradient = np.array([np.dot(residual, z), residual.sum()])
    hessian = np.array([
        [np.dot(weight, z * z) + _PLATT_RIDGE, np.dot(weight, z)],
        [np.dot(weight, z), weight.sum() + _PLATT_RIDGE],
    ])
    return gradient, hessian


def _backtrack(params, step, gradient, loss, z, target):
    """Armijo backtracking along the Newton step; returns (params, loss, improved)."""
    slope = float(np.dot(gradient, step))
    scale = 1.0
    while scale >= 1e-10:
        candidate = params + scale * step
        candidate_loss = _platt_loss(candidate, z, target)
        if candidate_loss <= loss + 1e-4 * scale * slope:
            return candidate, candidate_loss, True
        scale /= 2.0
    return params, loss, False


def _check_pair(y, p):
    """Validate and convert a (labels, scores) pair of equal length."""
    scores = _as_scores(p, "scores")
    return _as_labels(y, len(scores)), scores


def _as_scores(values, name: str) -> np.ndarray:
    """A non-empty, finite 1-D float64 array."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contain NaN or infinite values")
    return array


def _as_labels(values, n: int) -> np.ndarray:
    """0/1 labels of length ``n`` as an int64 array."""
    array = np.asarray(values)
    if array.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {array.shape}")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError("labels must be 0 or 1")
    return array.astype(np.int64)


def _require_positives(labels) -> None:
    if not labels.any():
        raise ValueError("threshold tuning needs at least one positive label")


def _require_probabilities(probs) -> None:
    if probs.min() < 0.0 or probs.max() > 1.0:
        raise ValueError("probabilities must lie in [0, 1]")


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0
