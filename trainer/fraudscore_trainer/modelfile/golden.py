"""Golden vectors: raw rows in -> the trainer's expected outputs. This module holds what every
family's writer shares (the decision and band rules, which rows to pick); each family writes its
own expectations (families/<name>/).

One CSV per model (NAME.golden.csv beside the model file; models/manifest.json says where each
shipped model's is), read by every test runner (native,
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
    return _at_least_step_up(d, out_of_range)


def _at_least_step_up(d, out_of_range):
    """A row with features beyond the training range is never approved (core/src/risk.cpp)."""
    if out_of_range is None:
        return d
    return np.where((np.asarray(out_of_range) > 0) & (d == 0), 1, d)


def expected_decisions(rows, spec, p, risk, out_of_range=None):
    """(decisions 0/1/2, block thresholds or None) for rows scored in order by a fresh session: with
    dynamic thresholds each row gets the threshold its segment has reached (evaluation/thresholds.py)."""
    if not risk.get("dynamic"):
        return decision_for(p, risk, out_of_range), None
    from fraudscore_trainer.evaluation import thresholds
    column = risk["dynamic"].get("segment_column")
    if column:
        vocabulary = next(c.vocabulary for c in spec.columns if c.name == column)
        segments, count = thresholds.segment_indices(rows[column].astype(str).to_numpy(), vocabulary), len(vocabulary) + 1
    else:
        segments, count = np.zeros(len(p), dtype=np.int64), 1
    block, _, d = thresholds.run_stream(risk, segments, p, count)
    return _at_least_step_up(d, out_of_range), block


def write_decisions(out, rows, spec, p, risk, out_of_range=None):
    """The expected_decision column (and expected_threshold for dynamic thresholds) of a golden file."""
    d, block = expected_decisions(rows, spec, p, risk, out_of_range)
    out["expected_decision"] = [DECISIONS[v] for v in d]
    if block is not None:
        out["expected_threshold"] = [f"{v:.12g}" for v in block]


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
    victims = list(dict.fromkeys(key[labels[rows] == 1]))   # in order of appearance: a set's order changes per run
    rng = np.random.default_rng(seed)
    accounts = victims + list(rng.permutation(key[sizes >= 3].unique()))
    chosen, total = [], 0
    counts = key.value_counts()
    for a in dict.fromkeys(accounts):
        chosen.append(a)
        total += int(counts[a])
        if total >= count:
            break
    return rows[key.isin(set(chosen)).to_numpy()]
