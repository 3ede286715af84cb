"""Sliding windows, built exactly as the core builds them.

Row i's window holds the last T rows of its stream up to and including i
(the whole stream for a global window, the rows with the same key for a
per-key window), oldest first, left-padded with zero vectors. Windows are
kept as row indices ([n, T], -1 for padding) and gathered per batch, so a
million windows cost 40 MB rather than gigabytes.
"""
import numpy as np
import pandas as pd


def window_indices(n_rows: int, length: int, keys=None) -> np.ndarray:
    """[n_rows, length] int64 row indices, -1 where padded."""
    positions = np.arange(n_rows, dtype=np.int64)
    if keys is None:
        order, rank = positions, positions
    else:
        codes = pd.factorize(pd.Series(keys))[0]
        order = np.lexsort((positions, codes))           # rows grouped by key, in input order
        sorted_codes = codes[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
        group_start = np.repeat(starts, np.diff(np.r_[starts, n_rows]))
        rank_sorted = np.arange(n_rows) - group_start    # position within its key's history
        rank = np.empty(n_rows, dtype=np.int64)
        rank[order] = rank_sorted
    where = np.empty(n_rows, dtype=np.int64)             # row -> position in `order`
    where[order] = np.arange(n_rows)
    out = np.full((n_rows, length), -1, dtype=np.int64)
    for lag in range(length):
        ok = rank >= lag
        out[ok, length - 1 - lag] = order[where[ok] - lag]
    return out


def valid_steps(indices: np.ndarray) -> np.ndarray:
    return (indices >= 0).sum(axis=1).astype(np.int64)


def gather(features: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """[n, T, F] float32 windows for the given index rows (padding -> 0)."""
    padded = np.concatenate([features, np.zeros((1, features.shape[1]), dtype=features.dtype)])
    return padded[np.where(indices >= 0, indices, len(features))]
