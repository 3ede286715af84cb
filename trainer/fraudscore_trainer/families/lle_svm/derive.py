"""Time-series forms of the indicators against the previous year, as the core derives them.

For indicator X with previous value P (P = X without a previous record):
[X, X - P, X / P, (X - P) / P, (X - P) / ((X + P) / 2)], indicator-major
(index 5 * i + form). A denominator with |d| < 1e-12 gives 1 for the ratio and
0 for the other two; every value is clipped to [-clip, clip]. The window holds
float32 values, so inputs are rounded to float32 first, then computed in double.
"""
import numpy as np

from fraudscore_trainer.features import spec as feat

FORMS = ("value", "difference", "ratio", "relative", "symmetric_relative")
TINY = 1e-12
DEFAULT_CLIP = 1e6


def derive(current, previous, has_previous, clip=DEFAULT_CLIP) -> np.ndarray:
    """current/previous [n, I] raw values, has_previous [n] bool -> [n, 5I] float64."""
    x = np.asarray(current, dtype=np.float32).astype(np.float64)
    p = np.asarray(previous, dtype=np.float32).astype(np.float64)
    p = np.where(np.asarray(has_previous, dtype=bool)[:, None], p, x)
    diff = x - p
    mid = (x + p) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.abs(p) < TINY, 1.0, x / p)
        relative = np.where(np.abs(p) < TINY, 0.0, diff / p)
        symmetric = np.where(np.abs(mid) < TINY, 0.0, diff / mid)
    out = np.stack([x, diff, ratio, relative, symmetric], axis=-1).reshape(len(x), -1)
    return np.clip(out, -clip, clip)


def derived_names(indicator_columns):
    return [f"{c}.{form}" for c in indicator_columns for form in FORMS]


def company_windows(df, spec):
    """Each row's window as the core builds it from rows fed in this order.

    Returns (windows [n, 2, I] float32: previous then current record, previous
    = 0 where absent, valid [n] = 1 or 2)."""
    x = feat.compute(df, spec)  # float32 raw indicator values (missing -> missing_value, bounds checked)
    keys = df[spec.key_column].to_numpy()
    prev_index = np.full(len(df), -1, dtype=np.int64)
    last = {}
    for i, k in enumerate(keys):
        prev_index[i] = last.get(k, -1)
        last[k] = i
    has_prev = prev_index >= 0
    windows = np.zeros((len(df), 2, x.shape[1]), dtype=np.float32)
    windows[:, 1] = x
    windows[has_prev, 0] = x[prev_index[has_prev]]
    return windows, 1 + has_prev.astype(np.int64)


def derive_windows(windows, valid, clip=DEFAULT_CLIP) -> np.ndarray:
    return derive(windows[:, 1], windows[:, 0], np.asarray(valid) >= 2, clip)
