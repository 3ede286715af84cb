"""Classical baselines the CRNN is compared against.

Logistic regression, a random forest and XGBoost, trained on the same windows flattened to
``[n, T * F]``. They are trained without class weights or resampling: their decision threshold
is tuned for F1 on validation data (``evaluate_baselines``), which handles the imbalance for the
thresholded metrics, and the AUCs do not depend on it. Sizes are chosen so each model trains in
well under two minutes on two cores at ~100k x 110.
"""

from __future__ import annotations

import numpy as np
import xgboost
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fraudscore_trainer.evaluation import metrics

_RF_ROWS_PER_TREE = 20_000
_RF_MAX_DEPTH = 14
_XGB_ROUNDS = 300
_NEUTRAL_THRESHOLD = 0.5
_XGB_EARLY_STOPPING = 30
# xgboost 1.6 moved early_stopping_rounds/eval_metric from fit() to the constructor; 2.0
# removed them from fit(). Debian bookworm ships 1.7.
_XGB_CONSTRUCTOR_EARLY_STOPPING = tuple(int(v) for v in xgboost.__version__.split(".")[:2]) >= (1, 6)


def train_baselines(X_train, y_train, X_val, y_val, seed: int, n_jobs: int = 2) -> dict:
    """Fit every baseline on ``(X_train, y_train)``; return ``{name: fitted model}``.

    ``(X_val, y_val)`` is used only for XGBoost's early stopping (skipped when the validation
    split lacks a class, since PR-AUC is then undefined).
    """
    X_train = np.asarray(X_train, dtype=np.float32)
    y_train = np.asarray(y_train).astype(np.int64)
    return {
        "logistic_regression": _logistic_regression(seed).fit(X_train, y_train),
        "random_forest": _random_forest(seed, n_jobs, len(X_train)).fit(X_train, y_train),
        "xgboost": _fit_xgboost(X_train, y_train, X_val, y_val, seed, n_jobs),
    }


def score_baselines(models: dict, X) -> dict:
    """Fraud probabilities ``{name: float64 [n]}`` of each model on ``X``."""
    X = np.asarray(X, dtype=np.float32)
    return {name: model.predict_proba(X)[:, 1].astype(np.float64) for name, model in models.items()}


def evaluate_baselines(models: dict, X_val, y_val, X_test, y_test) -> dict:
    """Tune each model's max-F1 threshold on validation and evaluate it on test.

    Returns ``{name: {"threshold", "val": summary, "test": summary, "test_scores": array}}``;
    the test split never influences the threshold. A validation split without fraud (tiny
    data) has nothing to tune on, so the neutral 0.5 is used, as the CRNN's pipeline does.
    """
    val_scores = score_baselines(models, X_val)
    test_scores = score_baselines(models, X_test)
    tunable = np.asarray(y_val).sum() > 0
    results = {}
    for name in models:
        threshold = (metrics.tune_threshold_max_f1(y_val, val_scores[name]) if tunable
                     else _NEUTRAL_THRESHOLD)
        results[name] = {
            "threshold": threshold,
            "val": metrics.summary(y_val, val_scores[name], threshold),
            "test": metrics.summary(y_test, test_scores[name], threshold),
            "test_scores": test_scores[name],
        }
    return results


def _logistic_regression(seed: int):
    """Standardised features + L2 logistic regression (lbfgs needs scaling to converge)."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))


def _random_forest(seed: int, n_jobs: int, n_rows: int) -> RandomForestClassifier:
    """200 trees on bootstrap samples of at most 20k rows, at most 14 levels deep.

    At 0.13 % prevalence fully grown trees become long chains peeling off a few positives at a
    time, and each level costs a pass over the sample; both caps keep ~100k rows near a minute.
    """
    return RandomForestClassifier(
        n_estimators=200,
        min_samples_leaf=2,
        max_depth=_RF_MAX_DEPTH,
        max_samples=min(1.0, _RF_ROWS_PER_TREE / n_rows),
        n_jobs=n_jobs,
        random_state=seed,
    )


def _fit_xgboost(X_train, y_train, X_val, y_val, seed: int, n_jobs: int):
    """Histogram XGBoost, early-stopped on validation PR-AUC where the split allows it."""
    y_val = np.asarray(y_val).astype(np.int64)
    early_stop = 0 < y_val.sum() < len(y_val)
    stopping = {"eval_metric": "aucpr", "early_stopping_rounds": _XGB_EARLY_STOPPING}
    model = xgboost.XGBClassifier(
        n_estimators=_XGB_ROUNDS,
        tree_method="hist",
        max_depth=6,
        learning_rate=0.1,
        subsample=0.8,
        colsample_bytree=0.8,
        n_jobs=n_jobs,
        random_state=seed,
        **(stopping if early_stop and _XGB_CONSTRUCTOR_EARLY_STOPPING else {}),
    )
    fit_args = {}
    if early_stop:
        fit_args["eval_set"] = [(np.asarray(X_val, dtype=np.float32), y_val)]
        fit_args["verbose"] = False
        if not _XGB_CONSTRUCTOR_EARLY_STOPPING:
            fit_args.update(stopping)
    return model.fit(X_train, y_train, **fit_args)
