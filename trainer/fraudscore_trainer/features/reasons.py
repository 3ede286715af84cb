"""Reason codes by occlusion: the Python twin of core/src/reason_codes.cpp.

Features that share a `reason_code` form one group (a feature without a code
is grouped by its source column, named after it). A group's contribution to a
score is p - p', where p' is the probability with the group's features in the
latest window step set to their `baseline` (the transformed feature's training
mean: 0 after z-scoring). The reasons of a score are the groups with a positive
contribution, largest first, at most `top` of them.
"""
import numpy as np


def reason_groups(spec):
    """[(code, text, [feature indices])] in order of first appearance."""
    groups, order = {}, []
    for i, f in enumerate(spec.features):
        code = f.reason_code or f.a
        if code not in groups:
            groups[code] = (f.reason_text or f"{f.a} is unusual", [])
            order.append(code)
        groups[code][1].append(i)
    return [(code, groups[code][0], groups[code][1]) for code in order]


def occluded_windows(windows, spec, group):
    """Copies of `windows` [n, T, F] with the group's features of the latest step at their baselines."""
    out = np.array(windows, dtype=np.float32, copy=True)
    for i in group:
        out[:, -1, i] = np.float32(spec.features[i].baseline)
    return out


def occlusion_reasons(prob_fn, windows, valid, spec, top=3):
    """For each window, [(code, contribution)] as described above.

    prob_fn(windows [n, T, F] float32, valid [n]) -> calibrated probabilities [n]."""
    windows = np.asarray(windows, dtype=np.float32)
    base = np.asarray(prob_fn(windows, valid), dtype=np.float64)
    groups = reason_groups(spec)
    deltas = np.empty((len(windows), len(groups)))
    for g, (_, _, members) in enumerate(groups):
        deltas[:, g] = base - np.asarray(prob_fn(occluded_windows(windows, spec, members), valid), dtype=np.float64)
    out = []
    for row in deltas:
        # Largest first; equal contributions keep the groups' order (stable sort).
        order = np.argsort(-row, kind="stable")
        out.append([(groups[g][0], float(row[g])) for g in order[:top] if row[g] > 0])
    return out


def format_reasons(reasons):
    """"CODE=0.0123;CODE2=0.0045" — the golden-vector and CLI format."""
    return ";".join(f"{code}={value:.9g}" for code, value in reasons)


def parse_reasons(text):
    if not isinstance(text, str) or not text:
        return []
    return [(code, float(value)) for code, value in (item.split("=") for item in text.split(";"))]
