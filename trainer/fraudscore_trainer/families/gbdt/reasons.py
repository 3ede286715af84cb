"""Reason codes of a gbdt score: XGBoost's exact TreeSHAP attribution of the margin, in logit units.

A reason group (features/reasons.py: features sharing a reason_code, else their source column, in
order of first appearance, as the core's build_reason_groups) contributes the sum of its features'
contributions over ALL steps of the window, padded (missing) steps included; the bias is no group's.
The reasons are the groups with a positive contribution, largest first (ties: the earlier group), at
most `top`. Unlike the networks' occlusion reasons (probability units, latest step only), these
add up, with the bias, to the margin."""
import numpy as np

from fraudscore_trainer.features.reasons import reason_groups

TOP = 3   # the golden files' count (the core's default max_reasons)


def group_contributions(contribs, spec):
    """(float64 [n, G] contribution of each reason group, the groups) from pred_contribs [n, T * F + 1]."""
    contribs = np.asarray(contribs)
    n, steps, width = len(contribs), spec.window_length, len(spec.features)
    if contribs.shape[1] != steps * width + 1:
        raise ValueError(f"{contribs.shape[1]} contributions for {steps} x {width} inputs + bias")
    per_feature = contribs[:, :-1].astype(np.float64).reshape(n, steps, width).sum(axis=1)
    groups = reason_groups(spec)
    values = np.zeros((n, len(groups)))
    for g, (_, _, members) in enumerate(groups):
        values[:, g] = per_feature[:, members].sum(axis=1)
    return values, groups


def top_reasons(values, groups, top=TOP):
    """Per row, [(code, contribution)]: the positive groups, largest first, at most `top`."""
    out = []
    for row in values:
        order = np.argsort(-row, kind="stable")
        out.append([(groups[g][0], float(row[g])) for g in order[:top] if row[g] > 0])
    return out
