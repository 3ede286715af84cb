"""Training the booster: XGBoost's hist trees with the logistic loss, early-stopped on the
validation split, cut to the trees that early stopping chose.

Sizes, for a scorer on a phone: at most 300 trees of depth at most 5 (32 leaves, 63 nodes) walk
at most 1,500 comparisons per payment and fit in about 0.5 MB; the reasons' TreeSHAP costs about
trees x leaves x depth^2 = 240,000 steps at the worst. Learning rate 0.1 and early stopping after 30
rounds without a better validation PR-AUC usually stop far earlier. Row and column subsampling
(0.8) regularise; `seed` fixes them. The base score is the training subset's prevalence, set
explicitly (XGBoost 2 would estimate its own), so the base margin is known and fixed.
"""
from dataclasses import dataclass

import numpy as np
import xgboost

from fraudscore_trainer.families.gbdt.inputs import dmatrix, threads_for

MAX_ROUNDS = 300
MAX_DEPTH = 5
LEARNING_RATE = 0.1
EARLY_STOPPING = 30
ROUNDS_WITHOUT_VALIDATION = 100   # no fraud (or only fraud) in the validation windows: nothing to stop on
SUBSAMPLE = 0.8


@dataclass
class GbdtTrainConfig:
    rounds: int = MAX_ROUNDS
    max_depth: int = MAX_DEPTH
    learning_rate: float = LEARNING_RATE
    early_stopping: int = EARLY_STOPPING
    seed: int = 7
    threads: int = 0          # 0: all cores


def base_score(y):
    """The training prevalence as XGBoost stores it (float32), kept away from 0 and 1."""
    return float(np.float32(np.clip(np.mean(y), 1e-6, 1 - 1e-6)))


def params(cfg: GbdtTrainConfig, base, metrics, threads):
    return {"objective": "binary:logistic", "tree_method": "hist", "max_depth": cfg.max_depth,
            "eta": cfg.learning_rate, "subsample": SUBSAMPLE, "colsample_bytree": SUBSAMPLE,
            "min_child_weight": 1.0, "lambda": 1.0, "max_bin": 256, "base_score": base, "seed": cfg.seed,
            "nthread": threads, "eval_metric": metrics, "validate_parameters": True}


def train(flat_train, y_train, flat_val, y_val, cfg: GbdtTrainConfig, log=print):
    """(booster holding only the chosen trees, history [{round, <split>_<metric>: value}], info) from
    flattened windows and 0/1 labels."""
    y_train, y_val = np.asarray(y_train, np.float32), np.asarray(y_val, np.float32)
    threads = threads_for(len(y_train), cfg.threads)
    train_set = dmatrix(flat_train, y_train, threads)
    stop = 0 < y_val.sum() < len(y_val)
    if stop:   # early stopping on the last metric: PR-AUC, what matters at fraud's prevalence
        evals, metrics, rounds = [(dmatrix(flat_val, y_val, threads), "val")], ["logloss", "aucpr"], cfg.rounds
    else:
        log("gbdt: the validation windows lack a class: no early stopping, "
            f"{min(cfg.rounds, ROUNDS_WITHOUT_VALIDATION)} rounds")
        evals, metrics, rounds = [(train_set, "train")], ["logloss"], min(cfg.rounds, ROUNDS_WITHOUT_VALIDATION)
    recorded = {}
    booster = xgboost.train(params(cfg, base_score(y_train), metrics, threads), train_set, num_boost_round=rounds,
                            evals=evals, evals_result=recorded, verbose_eval=False,
                            early_stopping_rounds=cfg.early_stopping if stop else None)
    run = booster.num_boosted_rounds()
    kept = int(booster.best_iteration) + 1 if stop else run
    if kept < run:
        booster = booster[:kept]           # the exported trees, and every prediction, are these
    booster.set_param({"nthread": threads})   # predictions too
    history = [{"round": i + 1, **{f"{split}_{m}": float(values[i]) for split, by_metric in recorded.items()
                                   for m, values in by_metric.items()}} for i in range(run)]
    info = {"rounds_run": run, "trees": kept, "early_stopped": bool(stop), "base_score": base_score(y_train),
            "learning_rate": cfg.learning_rate, "max_depth": cfg.max_depth,
            "best_score": history[kept - 1].get("val_aucpr") if stop and history else None}
    log(f"gbdt: {run} rounds run, {kept} trees kept" + (f" (best validation PR-AUC {info['best_score']:.4f})"
                                                        if info["best_score"] is not None else ""))
    return booster, history, info
