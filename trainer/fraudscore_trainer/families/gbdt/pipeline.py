"""fit: the description's features and windows, as every family gets them, flattened for the trees;
the booster early-stopped on the validation split; then, as the other families, Platt calibration of
the margin on validation, the thresholds and bands (evaluation/operating_point.py), and the LR / RF /
XGBoost baselines on the same training windows (zero-padded, flattened, as for every family)."""
import numpy as np

from fraudscore_trainer.evaluation import baselines, metrics
from fraudscore_trainer.evaluation.operating_point import risk_settings
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.features import windows as win
from fraudscore_trainer.families.gbdt import predict
from fraudscore_trainer.families.gbdt.inputs import flatten
from fraudscore_trainer.families.gbdt.training import GbdtTrainConfig, train


def training_rows(rows, y, max_windows, rng):
    """Every fraud window of `rows` and as many others, drawn at random, as --max-windows leaves room for."""
    positive, negative = rows[y[rows] == 1], rows[y[rows] == 0]
    take = max(0, min(len(negative), max_windows - len(positive)))
    return np.sort(np.concatenate([positive, rng.choice(negative, take, replace=False)]))


def fit(data, spec, split, options, log):
    frame, y = data.frame, data.y
    feat.fit_normalisation(frame.iloc[split.train], spec)   # the core z-scores every feature; trees don't mind
    x = feat.compute(frame, spec)
    idx = win.window_indices(len(frame), spec.window_length, frame[spec.key_column].to_numpy()
                             if spec.key_column else None)
    rng = np.random.default_rng(options.seed)
    rows = training_rows(split.train, y, options.max_windows, rng)
    log(f"[{options.name}] training on {len(rows):,} windows ({int(y[rows].sum()):,} fraud) of "
        f"{len(split.train):,}; {spec.window_length} x {len(spec.features)} = "
        f"{spec.window_length * len(spec.features)} inputs each")
    cfg = GbdtTrainConfig(seed=options.seed, threads=options.threads)
    booster, history, info = train(flatten(x, idx[rows]), y[rows], flatten(x, idx[split.val]), y[split.val], cfg,
                                   log)
    z_val = predict.margins(booster, x, idx[split.val])
    z_test = predict.margins(booster, x, idx[split.test])
    has_fraud = bool(y[split.val].sum())
    if not has_fraud:
        log(f"[{options.name}] no fraud in the validation split: thresholds and calibration left neutral")
    platt = metrics.fit_platt(z_val, y[split.val]) if has_fraud else (1.0, 0.0)
    p_val, p_test = metrics.apply_platt(z_val, *platt), metrics.apply_platt(z_test, *platt)
    risk = risk_settings(y[split.val], p_val, platt, float(y[split.train].mean()), options.policy)
    zero_padded = lambda r: win.gather(x, idx[r]).reshape(len(r), -1)   # noqa: E731
    fitted = baselines.train_baselines(zero_padded(rows), y[rows], zero_padded(split.val), y[split.val],
                                       seed=options.seed)
    return {
        "model": booster, "spec": spec, "risk": risk, "history": history, "gbdt": info, "split": split, "y": y,
        "x": x, "indices": idx, "p_val": p_val, "p_test": p_test, "z_test": z_test,
        "raw_test": metrics.apply_platt(z_test, 1.0, 0.0), "attention_test": None,
        "train_windows": int(len(rows)),
        "test": metrics.summary(y[split.test], p_test, risk["decision_threshold"]),
        "baselines": baselines.evaluate_baselines(fitted, zero_padded(split.val), y[split.val],
                                                  zero_padded(split.test), y[split.test]),
    }
