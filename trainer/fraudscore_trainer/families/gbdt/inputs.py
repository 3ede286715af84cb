"""The gbdt's inputs, as the core builds them: a row's window [T, F] flattened to T * F numbers,
input i = step * F + feature, oldest step first, with every input of a padded step (the steps
before the window's real rows) missing (NaN), so that trees tell "no history" from a typical
value instead of reading the zero vectors the networks get."""
import os

import numpy as np
import xgboost

from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.features import windows as win

BATCH_ROWS = 65_536        # windows flattened at a time when scoring (bounds memory on millions of rows)
ROWS_PER_THREAD = 20_000   # below this many windows a thread more costs more than it saves


def flatten(x, indices):
    """[n, T * F] float32 inputs of the windows `indices` [n, T] (row indices, -1 padded) over features x."""
    windows = win.gather(x, indices)          # a fresh array: padded steps are zero rows here
    windows[indices < 0] = np.nan
    return windows.reshape(len(indices), -1)


def stream_inputs(rows, spec):
    """(features [n, F], window indices [n, T]) of `rows` scored in order as one fresh stream."""
    x = feat.compute(rows, spec)
    keys = rows[spec.key_column].to_numpy() if spec.key_column else None
    return x, win.window_indices(len(rows), spec.window_length, keys)


def threads_for(rows, requested=0):
    """XGBoost's threads: --threads (0: all cores), but one per ROWS_PER_THREAD windows at most.
    On small data OpenMP's start-up and, on busy cores, its spinning dominate: a tiny build went from
    0.2 s on one thread to several seconds on two."""
    return max(1, min(requested or os.cpu_count() or 1, rows // ROWS_PER_THREAD))


def dmatrix(flat, label=None, threads=0):
    """An XGBoost matrix of flattened inputs: NaN is missing, and every input is numeric (no
    categorical splits)."""
    return xgboost.DMatrix(np.asarray(flat, dtype=np.float32), label=label, missing=np.nan,
                           nthread=threads_for(len(flat), threads))


def batches(indices):
    for start in range(0, len(indices), BATCH_ROWS):
        yield indices[start:start + BATCH_ROWS]
