"""What XGBoost itself says about windows: the margin (logit) and its exact TreeSHAP attribution.
These are the expected values of the golden file and of the calibration, never the trainer's own
tree walk (evaluate.py), so the core is checked against XGBoost."""
import numpy as np

from fraudscore_trainer.families.gbdt.inputs import batches, dmatrix, flatten


def margins(booster, x, indices):
    """float32 [n]: the booster's margin of each window (every tree of the exported booster)."""
    parts = [booster.predict(dmatrix(flatten(x, idx)), output_margin=True) for idx in batches(indices)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def contributions(booster, x, indices):
    """float32 [n, T * F + 1]: TreeSHAP contribution of every input (logit units), the last column the
    bias; each row sums to its margin."""
    parts = [booster.predict(dmatrix(flatten(x, idx)), pred_contribs=True) for idx in batches(indices)]
    width = indices.shape[1] * x.shape[1] + 1
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, width), np.float32)
