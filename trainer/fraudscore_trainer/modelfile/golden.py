"""Golden vectors: raw rows in -> the trainer's expected outputs. This module holds what every
family's writer shares (the decision and band rules, which rows to pick); each family writes its
own expectations (families/<name>/).

One CSV per model under tests/golden/, read by every test runner (native,
WebAssembly, ARM under emulation): the model's input columns as raw values,
then expected_probability, expected_raw_probability, expected_decision,
expected_band, expected_valid_steps and expected_attention (one weight per
step, oldest first, joined by ';'). A runner feeds the rows, in order, to a
fresh session and compares.
"""

import numpy as np


DECISIONS = ("approve", "step_up", "block")
BANDS = ("low", "medium", "high", "critical")


def decision_for(p, risk, out_of_range=None):
    """0 approve, 1 step_up, 2 block; a row with features beyond the training range is at least
    step_up, as the core decides it (core/src/risk.cpp)."""
    d = np.where(p >= risk["decision_threshold"], 2, np.where(p >= risk["review_threshold"], 1, 0))
    if out_of_range is not None:
        d = np.where((np.asarray(out_of_range) > 0) & (d == 0), 1, d)
    return d


def band_for(p, risk):
    cuts = risk["band_cuts"]
    return np.where(p < cuts[0], 0, np.where(p < cuts[1], 1, np.where(p < cuts[2], 2, 3)))


def select_rows(df, spec, rows, count, seed, labels=None):
    """Pick >= count rows of `rows` (indices into df) that exercise the model:
    for a global window the contiguous run with the most fraud; for per-key
    windows every row of accounts with long histories and of fraud victims.
    `labels`: 0/1 per row of df (default: PaySim's isFraud column)."""
    labels = df["isFraud"].to_numpy() if labels is None else np.asarray(labels)
    if spec.key_column is None:
        y = labels[rows]
        if len(rows) <= count:
            return rows
        sums = np.convolve(y, np.ones(count, dtype=np.int64), mode="valid")
        start = int(np.argmax(sums))
        return rows[start:start + count]
    sub = df.iloc[rows]
    key = sub[spec.key_column]
    sizes = key.map(key.value_counts())
    victims = set(key[labels[rows] == 1])
    rng = np.random.default_rng(seed)
    accounts = list(victims) + list(rng.permutation(key[sizes >= 3].unique()))
    chosen, total = [], 0
    counts = key.value_counts()
    for a in dict.fromkeys(accounts):
        chosen.append(a)
        total += int(counts[a])
        if total >= count:
            break
    return rows[key.isin(set(chosen)).to_numpy()]
