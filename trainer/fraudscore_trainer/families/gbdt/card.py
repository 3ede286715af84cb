"""The gbdt's paragraph of the model card and report."""
from fraudscore_trainer.families.gbdt.trees import tree_arrays


def network_text(result):
    spec, info = result["spec"], result["gbdt"]
    steps, width = spec.window_length, len(spec.features)
    a = tree_arrays(result["model"], steps * width)
    stopping = (f"early-stopped on validation PR-AUC: best at round {a['trees']} of {info['rounds_run']} run"
                if info["early_stopped"] else f"{info['rounds_run']} rounds (no early stopping: the validation "
                "split lacks a class)")
    return (f"XGBoost gradient-boosted trees (binary:logistic, hist) over each row's window flattened to {steps} "
            f"steps × {width} features = {steps * width} inputs, the steps before the window's real rows missing: "
            f"{a['trees']} trees, deepest leaf at depth {a['max_depth']} (limit {info['max_depth']}), "
            f"{a['leaves']:,} leaves in {len(a['value']):,} nodes, learning rate {info['learning_rate']:g}, base "
            f"margin {a['base_margin']:.4g} (the training prevalence); {stopping}. Trained on "
            f"{result['train_windows']:,} windows (every fraud, others at random up to --max-windows). Reasons are "
            "the exact TreeSHAP contributions to the logit, summed over the window's steps per reason group.")
