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
    cut1 = np.searchsorted(times, times[int(n * 0.6)], side="left")
    cut2 = np.searchsorted(times, times[int(n * 0.8)], side="left")
    rows = np.arange(n)
    return Split(rows[:cut1], rows[cut1:cut2], rows[cut2:])
