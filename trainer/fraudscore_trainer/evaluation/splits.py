"""Train/validation/test splits shared by every family."""
from dataclasses import dataclass

import numpy as np


@dataclass
class Split:
    train: np.ndarray  # row indices (labels of these rows' windows)
    val: np.ndarray
    test: np.ndarray


def split_by_time(times):
    """60/20/20 by time (rows in time order): rows with one time value stay in one split."""
    n = len(times)
    return split_at(times, times[int(n * 0.6)], times[int(n * 0.8)])


def split_at(times, train_end, validation_end):
    """By time cut-offs: train before train_end, validate before validation_end, test the rest
    (`times` ascending)."""
    cut1 = np.searchsorted(times, train_end, side="left")
    cut2 = np.searchsorted(times, validation_end, side="left")
    rows = np.arange(len(times))
    return Split(rows[:cut1], rows[cut1:cut2], rows[cut2:])


def split_by_key(keys, y, train_share, validation_share, seed):
    """Whole keys to train, validation and test in these shares (the rest tests); keys with any
    positive row are dealt out separately so each part gets its share of them. Rows keep their order."""
    keys = np.asarray(keys)
    unique, inverse = np.unique(keys, return_inverse=True)
    positive = np.zeros(len(unique), dtype=bool)
    np.logical_or.at(positive, inverse, np.asarray(y) == 1)
    rng = np.random.default_rng(seed)
    part = np.empty(len(unique), dtype=np.int64)
    for group in (np.flatnonzero(positive), np.flatnonzero(~positive)):
        group = rng.permutation(group)
        n1 = int(round(len(group) * train_share))
        n2 = int(round(len(group) * (train_share + validation_share)))
        part[group[:n1]], part[group[n1:n2]], part[group[n2:]] = 0, 1, 2
    row_part = part[inverse]
    return Split(*(np.flatnonzero(row_part == i) for i in range(3)))
