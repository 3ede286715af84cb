"""The paper's resampling: SMOTE on the training windows only, then a balanced
subset of about `max_windows` windows.

Drawing a balanced subset from a fully SMOTE-resampled set is, in
distribution, the same as first undersampling the majority to half the subset
and then SMOTE-ing the minority up to the same count; the second is what runs
here, because it needs no gigabytes of synthetic windows that are thrown away.
The number of real steps of each window travels through SMOTE as one more
column and is rounded back, so synthetic windows keep a valid padding count.
"""
import numpy as np
from imblearn.over_sampling import SMOTE, RandomOverSampler

from fraudscore_trainer.features import windows as win


def balanced_windows(x, indices, labels, max_windows, seed):
    """Returns (windows [m, T, F] float32, valid [m] int64, labels [m] int64)."""
    rng = np.random.default_rng(seed)
    pos = np.flatnonzero(labels == 1)
    neg = np.flatnonzero(labels == 0)
    half = max(1, max_windows // 2)
    neg = rng.choice(neg, size=min(half, len(neg)), replace=False)
    chosen = np.concatenate([neg, pos])
    idx = indices[chosen]
    steps, feats = idx.shape[1], x.shape[1]
    flat = win.gather(x, idx).reshape(len(chosen), steps * feats)
    flat = np.concatenate([flat, win.valid_steps(idx)[:, None].astype(np.float32)], axis=1)
    y = labels[chosen]
    target = {0: len(neg), 1: max(len(neg), len(pos))}
    if len(pos) >= 2:
        sampler = SMOTE(sampling_strategy=target, k_neighbors=min(5, len(pos) - 1), random_state=seed)
    else:
        sampler = RandomOverSampler(sampling_strategy=target, random_state=seed)
    flat, y = sampler.fit_resample(flat, y)
    order = rng.permutation(len(y))
    flat, y = flat[order], y[order]
    valid = np.clip(np.rint(flat[:, -1]), 1, steps).astype(np.int64)
    windows = flat[:, :-1].reshape(len(y), steps, feats).astype(np.float32)
    return windows, valid, y.astype(np.int64)
