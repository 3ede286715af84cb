"""The feature spec and pipeline: raw PaySim-like rows -> model features.

This is the Python twin of core/src/feature_pipeline.cpp and must compute the
same numbers: every op in double precision, then optional signed log1p,
clipping and z-score, then rounding to float32. The spec is plain data that
export.py writes into the model file (schemas/model.fbs).
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np
import pandas as pd

from fraudscore_trainer.features.windows import window_indices

NUMERIC, CATEGORICAL, IDENTIFIER, TIME = 0, 1, 2, 3
(OP_VALUE, OP_CATEGORY_INDEX, OP_DIFFERENCE, OP_RATIO, OP_MODULO, OP_PREFIX_FLAG, OP_ONE_HOT,
 OP_SINCE_PREVIOUS, OP_RELATIVE_TO_HISTORY, OP_DAY_OF_WEEK) = range(10)
HISTORY_OPS = (OP_SINCE_PREVIOUS, OP_RELATIVE_TO_HISTORY)   # read the rows before this one (schema 1.3)
WINDOW_GLOBAL, WINDOW_PER_KEY = 0, 1

PAYSIM_TYPES = ["CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"]  # LabelEncoder's (sorted) order
NAN = float("nan")


@dataclass
class Column:
    name: str
    type: int = NUMERIC
    vocabulary: List[str] = field(default_factory=list)
    missing_allowed: bool = True
    missing_value: float = 0.0
    min_value: float = NAN  # NaN: no lower bound
    unknown_index: int = -1  # categorical: an unseen value maps to this vocabulary entry (-1: refused)


@dataclass
class Feature:
    name: str
    op: int
    a: str                 # column name (resolved to an index on export)
    b: Optional[str] = None
    parameter: float = 0.0
    text: str = ""
    log1p: bool = False
    clip_min: float = NAN
    clip_max: float = NAN
    mean: float = 0.0
    std: float = 1.0
    # Reason codes (schemas/README.md): features sharing a code are one group;
    # `baseline` is the transformed value that stands for "typical".
    reason_code: str = ""
    reason_text: str = ""
    baseline: float = 0.0
    # (1.2) The range of x over the training rows, after `op` and log1p and
    # before clip/z-score (NaN: unknown). The core clips x into it widened by
    # Spec.range_margin times its width and flags the row (fit_ranges).
    range_min: float = NAN
    range_max: float = NAN
    # Trainer only: False keeps the feature as it is (mean 0, std 1), e.g. a 0/1 indicator,
    # whose z-score would be huge for a category that is rare in the training period.
    normalise: bool = True


RANGE_MARGIN = 0.25


@dataclass
class Spec:
    columns: List[Column]
    features: List[Feature]
    window_length: int = 10
    window_mode: int = WINDOW_GLOBAL
    key_column: Optional[str] = None
    time_column: Optional[str] = None
    range_margin: float = RANGE_MARGIN

    def column_index(self, name):
        for i, c in enumerate(self.columns):
            if c.name == name:
                return i
        raise KeyError(f"spec has no column {name!r}")

    def column(self, name):
        return self.columns[self.column_index(name)]

    @property
    def feature_names(self):
        return [f.name for f in self.features]


class RowError(ValueError):
    """A row the model refuses (the core returns FS_ERR_INPUT for it)."""


def _numbers(df, col: Column):
    if col.name not in df.columns:
        raise RowError(f"input has no column {col.name!r}")
    values = pd.to_numeric(df[col.name], errors="coerce").to_numpy(dtype=np.float64)
    raw = df[col.name]
    bad = np.isnan(values) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    if bad.any() or np.isinf(values).any():
        row = int(np.flatnonzero(bad | np.isinf(values))[0])
        raise RowError(f"row {row}, column {col.name!r}: {raw.iloc[row]!r} is not a finite number")
    missing = np.isnan(values)
    if missing.any() and not col.missing_allowed:
        raise RowError(f"row {int(np.flatnonzero(missing)[0])}, column {col.name!r}: value is missing")
    values = np.where(missing, col.missing_value, values)
    if not np.isnan(col.min_value) and (values < col.min_value).any():
        row = int(np.flatnonzero(values < col.min_value)[0])
        raise RowError(f"row {row}, column {col.name!r}: {values[row]} is below the allowed minimum")
    return values


def _categories(df, col: Column):
    index = {v: i for i, v in enumerate(col.vocabulary)}
    raw = df[col.name]
    codes = raw.map(index)
    unknown = codes.isna() & raw.notna()
    if unknown.any() and col.unknown_index >= 0:
        codes = codes.where(~unknown, float(col.unknown_index))
    elif unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise RowError(f"row {row}, column {col.name!r}: unknown category {raw.iloc[row]!r}")
    return codes.fillna(col.missing_value).to_numpy(dtype=np.float64)


def _floor_mod(a, m):
    """a mod m in [0, m) for m > 0, as the core computes it (Modulo, DayOfWeek)."""
    return a - np.floor(a / m) * m


def previous_rows(df: pd.DataFrame, spec: Spec) -> np.ndarray:
    """[n, L] indices of each row's previous rows in its window stream (its key's rows before
    it, or all rows before it for a global window), oldest first, -1 where there are fewer
    than L = window length: what a scoring session holds when the row arrives."""
    keys = df[spec.key_column].to_numpy() if spec.window_mode == WINDOW_PER_KEY else None
    return window_indices(len(df), spec.window_length + 1, keys)[:, :-1]


def _history_feature(values: np.ndarray, previous: np.ndarray, f: Feature) -> np.ndarray:
    """SincePrevious / RelativeToHistory as the core computes them (feature_pipeline.cpp,
    finish_history_features): the mean adds the previous values oldest first."""
    real = previous >= 0
    count = real.sum(axis=1)
    past = np.where(real, values[np.where(real, previous, 0)], 0.0)
    if f.op == OP_SINCE_PREVIOUS:
        return np.where(count > 0, values - past[:, -1], f.parameter)
    total = np.zeros(len(values))
    for step in range(past.shape[1]):           # oldest first; padding adds an exact 0
        total = total + past[:, step]
    mean = total / np.maximum(count, 1)
    return np.where(count > 0, values / np.maximum(mean, f.parameter), 1.0)


def raw_features(df: pd.DataFrame, spec: Spec) -> np.ndarray:
    """Features before log1p/clip/z-score, float64 [n, F]. Rows are in scoring order: history
    operations read the rows before each one."""
    out = np.empty((len(df), len(spec.features)), dtype=np.float64)
    previous = None
    for j, f in enumerate(spec.features):
        ca = spec.column(f.a)
        if f.op == OP_VALUE:
            x = _numbers(df, ca)
        elif f.op == OP_CATEGORY_INDEX:
            x = _categories(df, ca)
        elif f.op == OP_ONE_HOT:
            x = (_categories(df, ca) == f.parameter).astype(np.float64)
        elif f.op == OP_DIFFERENCE:
            x = _numbers(df, ca) - _numbers(df, spec.column(f.b))
        elif f.op == OP_RATIO:
            x = _numbers(df, ca) / np.maximum(_numbers(df, spec.column(f.b)), f.parameter)
        elif f.op == OP_MODULO:
            x = _floor_mod(_numbers(df, ca), f.parameter)
        elif f.op == OP_DAY_OF_WEEK:
            x = _floor_mod(np.floor(_numbers(df, ca) / f.parameter) + 3.0, 7.0)
        elif f.op in HISTORY_OPS:
            previous = previous_rows(df, spec) if previous is None else previous
            x = _history_feature(_numbers(df, ca), previous, f)
        elif f.op == OP_PREFIX_FLAG:
            x = df[ca.name].astype(str).str.startswith(f.text).to_numpy(dtype=np.float64)
        else:
            raise ValueError(f"unknown feature op {f.op}")
        out[:, j] = x
    return out


def range_bounds(f: Feature, margin: float):
    """(lo, hi): the feature's training range widened by margin times its width, as the core
    computes it (core/src/model_loader.cpp read_range); (NaN, NaN) when the range is unknown."""
    if np.isnan(f.range_min) and np.isnan(f.range_max):
        return NAN, NAN
    widen = margin * (f.range_max - f.range_min)
    return f.range_min - widen, f.range_max + widen


def pre_clip(raw: np.ndarray, spec: Spec) -> np.ndarray:
    """x after `op` and the signed log1p, before the range, clip and z-score: what a
    feature's training range is taken over; float64."""
    x = raw.copy()
    for j, f in enumerate(spec.features):
        if f.log1p:
            x[:, j] = np.copysign(np.log1p(np.abs(x[:, j])), x[:, j])
    return x


def out_of_range(raw: np.ndarray, spec: Spec) -> np.ndarray:
    """Per row, how many features lie outside their widened training range (the core's
    fs_result.out_of_range for the row's own features)."""
    x = pre_clip(raw, spec)
    count = np.zeros(len(x), dtype=np.int64)
    for j, f in enumerate(spec.features):
        lo, hi = range_bounds(f, spec.range_margin)
        if not np.isnan(lo):
            count += ~((x[:, j] >= lo) & (x[:, j] <= hi))
    return count


def transform(raw: np.ndarray, spec: Spec, normalise=True) -> np.ndarray:
    """Signed log1p, the training range (widened), clipping, then (if normalise) z-score;
    float64."""
    x = pre_clip(raw, spec)
    for j, f in enumerate(spec.features):
        lo, hi = range_bounds(f, spec.range_margin)
        if not np.isnan(lo):
            x[:, j] = np.minimum(np.maximum(x[:, j], lo), hi)
        if not np.isnan(f.clip_min):
            x[:, j] = np.maximum(x[:, j], f.clip_min)
        if not np.isnan(f.clip_max):
            x[:, j] = np.minimum(x[:, j], f.clip_max)
        if normalise:
            x[:, j] = (x[:, j] - f.mean) / f.std
    return x


def fit_ranges(df: pd.DataFrame, spec: Spec) -> None:
    """Set each feature's training range (range_min/range_max) from the training rows, in
    place: x after `op` and log1p, before clip, exactly as the core computes it.
    A feature read from a Time column (other than through Modulo, e.g. the hour of the
    day) gets no range: time moves on, so every row scored after training lies beyond it."""
    x = pre_clip(raw_features(df, spec), spec)
    for j, f in enumerate(spec.features):
        if timelike(f, spec):
            f.range_min = f.range_max = NAN
        else:
            f.range_min, f.range_max = float(np.min(x[:, j])), float(np.max(x[:, j]))
    spec.range_margin = RANGE_MARGIN


def timelike(f: Feature, spec: Spec) -> bool:
    """Whether the feature grows with time (a Time column's value or difference or ratio)."""
    if f.op not in (OP_VALUE, OP_DIFFERENCE, OP_RATIO):
        return False
    return any(name and spec.column(name).type == TIME for name in (f.a, f.b))


def fit_normalisation(df: pd.DataFrame, spec: Spec) -> None:
    """Set each feature's training range and mean/std from the training rows, in place."""
    fit_ranges(df, spec)
    x = transform(raw_features(df, spec), spec, normalise=False)
    for j, f in enumerate(spec.features):
        if not f.normalise:
            f.mean, f.std = 0.0, 1.0
            continue
        f.mean = float(x[:, j].mean())
        std = float(x[:, j].std())
        f.std = std if std > 1e-12 else 1.0


def compute(df: pd.DataFrame, spec: Spec) -> np.ndarray:
    """The model input features, float32 [n, F], as the core computes them."""
    return transform(raw_features(df, spec), spec).astype(np.float32)
