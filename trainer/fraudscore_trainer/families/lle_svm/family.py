"""The lle_svm family (indicator forms -> z-score -> LLE -> RBF SVM, K-means
grades) as a plug-in, for an entity-period panel: one row per key and period
(a company's year, a merchant's month), numeric indicators as features. The
core compares each row with its key's previous row (a window of 2): the five
time-series forms of every indicator come from the description's features,
not from a fixed list."""
import numpy as np

from fraudscore_trainer.evaluation import baselines
from fraudscore_trainer.modelfile import export
from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.families.lle_svm import model as lle_svm
from fraudscore_trainer.families.lle_svm import evaluation as lle_svm_eval
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.families.lle_svm import derive
from fraudscore_trainer.families.lle_svm import export as lle_svm_export
from fraudscore_trainer.evaluation.operating_point import risk_settings
from fraudscore_trainer.families import Family, FamilyError, register

MAX_POINTS = 600     # LLE's training points (the neighbour search is quadratic in them)
CLIP = derive.DEFAULT_CLIP


def check_description(description):
    if description.window_length != 2 or description.window_mode != "per_key" or description.key is None:
        raise FamilyError("lle_svm compares each period with the key's previous one: the description needs a key "
                          "column and [window] length = 2, mode = \"per_key\"")
    categorical = [c.name for c in description.features() if c.type == "categorical"]
    if categorical:
        raise FamilyError(f"lle_svm reads numeric indicators only; {', '.join(categorical)} is categorical (set "
                          "role = \"ignored\" for this family)")


def _derived(frame, spec):
    windows, valid = derive.company_windows(frame, spec)
    return derive.derive_windows(windows, valid, CLIP)


def fit(data, spec, split, options, log):
    frame, y = data.frame, data.y
    # No feature z-score here: the network z-scores the derived forms itself.
    feat.fit_ranges(frame.iloc[split.train], spec)
    u = _derived(frame, spec)
    rng = np.random.default_rng(options.seed)
    train_mask = np.zeros(len(frame), dtype=bool)
    train_mask[split.train] = True
    rows, weights = lle_svm_eval.training_subset(train_mask, y, rng, max_points=min(MAX_POINTS, options.max_windows))
    log(f"[{options.name}] fitting on {len(rows)} rows ({int(y[rows].sum())} fraud) of {len(split.train):,}")
    model = lle_svm.fit(u[rows], y[rows], options.seed, prevalence=float(y[split.train].mean()), log=log)
    p_val = model.score(u[split.val])["probability"]
    scored = model.score(u[split.test])
    p_test = scored["probability"]
    risk = risk_settings(y[split.val], p_val, tuple(model.platt), float(y[split.train].mean()), options.policy)
    z = model.normalise(u)
    fitted = baselines.train_baselines(z[rows], y[rows], z[split.val], y[split.val], seed=options.seed)
    for i, f in enumerate(spec.features):   # reasons: an indicator at its training mean stands for "typical"
        f.baseline = float(np.float32(np.nanmean(frame[f.a].to_numpy(dtype=np.float64)[split.train]))) \
            if f.op == feat.OP_VALUE else 0.0
    return {
        "model": model, "spec": spec, "risk": risk, "history": [], "split": split, "y": y,
        "p_val": p_val, "p_test": p_test, "raw_test": scored["raw_probability"], "train_windows": int(len(rows)),
        "test": metrics.summary(y[split.test], p_test, risk["decision_threshold"]),
        "baselines": baselines.evaluate_baselines(fitted, z[split.val], y[split.val], z[split.test], y[split.test]),
    }


def model_bytes(name, description_text, result, provenance):
    model = result["model"]
    return export.build_model_bytes(name, description_text, result["spec"], lle_svm_export.arch_config(model, CLIP),
                                    lle_svm_export.tensors(model), result["risk"], provenance,
                                    kind=export.KIND_LLE_SVM, arch_type="LleSvmConfig")


def write_golden(path, result, rows):
    return lle_svm_export.write_golden(path, result["model"], result["spec"], result["risk"], rows, CLIP)


def probabilities(result, rows):
    return result["model"].score(_derived(rows, result["spec"]))["probability"]   # no reasons: figures only


def network_text(result):
    m = result["model"]
    return (f"Each indicator's five forms against the key's previous period, z-scored → LLE (k = {m.neighbours}, "
            f"d = {m.embedding_dim}) → RBF SVM (γ = {m.gamma:.4g}, {len(m.dual_coef)} support vectors) → Platt; "
            f"K-means grades {', '.join(m.grades)}. Fitted on {result['train_windows']} training rows (fraud "
            "over-sampled to a third, the probabilities corrected back to the training prevalence).")


FAMILY = register(Family(name="lle_svm", summary="indicator forms → z-score → LLE → RBF SVM with K-means grades, for "
                         "an entity-period panel", window_modes=("per_key",), fit=fit, model_bytes=model_bytes,
                         write_golden=write_golden, network_text=network_text, probabilities=probabilities,
                         check_description=check_description, trains_in_epochs=False))
