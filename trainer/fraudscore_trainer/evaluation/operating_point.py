"""Choosing the block threshold the way a fraud team does, on the validation
split's calibrated scores:

- `max_f1`            the best F1 (the default);
- `alert_rate:R`      block about a share R of payments (0 < R < 1), e.g. what a review team can handle;
- `recall:R`          catch at least a share R of fraud, with as few alerts as that allows;
- `cost:C`            a missed fraud costs C false alarms: minimise C * missed + false alarms.

`curve` gives the operating points around the chosen one for the model card.
"""
from dataclasses import dataclass

import numpy as np

from fraudscore_trainer.evaluation import metrics

POLICIES = ("max_f1", "alert_rate", "recall", "cost")


@dataclass(frozen=True)
class Policy:
    name: str
    value: float = 0.0

    def __str__(self):
        return self.name if self.name == "max_f1" else f"{self.name}:{self.value:g}"

    def describe(self) -> str:
        return {"max_f1": "the best F1 on validation",
                "alert_rate": f"about {self.value:.2%} of validation payments blocked (target alert rate)",
                "recall": f"at least {self.value:.0%} of validation fraud blocked (target recall)",
                "cost": f"least cost on validation, a missed fraud costing {self.value:g} false alarms"}[self.name]


def parse(text: str) -> Policy:
    """'max_f1', 'alert_rate:0.01', 'recall:0.9' or 'cost:25'; ValueError with the reason."""
    name, _, value = text.partition(":")
    if name not in POLICIES:
        raise ValueError(f"--threshold {text!r}: use one of max_f1, alert_rate:R, recall:R, cost:C")
    if name == "max_f1":
        if value:
            raise ValueError("--threshold max_f1 takes no value")
        return Policy(name)
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"--threshold {text!r}: {value!r} is not a number") from None
    if name in ("alert_rate", "recall") and not 0 < number < 1 + (name == "recall"):
        raise ValueError(f"--threshold {text!r}: {name} must be in (0, 1{']' if name == 'recall' else ')'}")
    if name == "cost" and not number > 0:
        raise ValueError(f"--threshold {text!r}: the cost ratio must be > 0")
    return Policy(name, number)


def choose(policy: Policy, y, p) -> float:
    """The block threshold (`p >= threshold` blocks) the policy picks on (y, p)."""
    p = np.asarray(p, dtype=np.float64)
    if policy.name == "max_f1":
        return metrics.tune_threshold_max_f1(y, p)
    if policy.name == "recall":
        return metrics.threshold_for_recall(y, p, policy.value)
    if policy.name == "alert_rate":
        # The smallest observed score whose alert rate does not exceed the target.
        ordered = np.sort(p)[::-1]
        k = max(1, int(np.floor(policy.value * len(p))))
        return float(ordered[k - 1])
    y = np.asarray(y)
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    last = np.r_[ps[1:] != ps[:-1], True]          # thresholds between distinct scores only
    cost = policy.value * (ys.sum() - tp) + fp
    best = np.flatnonzero(last)[np.argmin(cost[last])]
    return float(ps[best])


def curve(y, p, threshold: float, points: int = 7) -> list:
    """Operating points at thresholds around `threshold` (half as many alerts, twice as many, ...)."""
    p = np.asarray(p, dtype=np.float64)
    base = max(1, int((p >= threshold).sum()))
    out = []
    for factor in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)[:points]:
        k = min(len(p), max(1, int(round(base * factor))))
        t = threshold if factor == 1.0 else float(np.sort(p)[::-1][k - 1])
        row = metrics.at_threshold(y, p, t)
        row["alert_rate"] = float((p >= t).mean())
        row["chosen"] = factor == 1.0
        out.append(row)
    return out


def curve_table(rows) -> str:
    lines = ["| threshold | alert rate | precision | recall | frauds caught | false alarms |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        mark = " **(chosen)**" if r["chosen"] else ""
        lines.append(f"| {r['threshold']:.4g}{mark} | {r['alert_rate']:.3%} | {r['precision']:.3f} | "
                     f"{r['recall']:.3f} | {r['tp']} | {r['fp']} |")
    return "\n".join(lines) + "\n"


REVIEW_RECALL = 0.95  # step-up catches this share of validation fraud


def risk_settings(y_val, p_val, platt, prevalence, policy=None):
    """`policy`: an operating_point.Policy for the block threshold (default: max F1)."""
    if y_val.sum() == 0:
        # Nothing to tune on (tiny data): neutral settings, said so in the log.
        return {"decision_threshold": 0.5, "review_threshold": 0.25, "band_cuts": [0.125, 0.25, 0.5],
                "platt": platt, "prevalence": prevalence}
    decision = choose(policy, y_val, p_val) if policy else metrics.tune_threshold_max_f1(y_val, p_val)
    review = min(metrics.threshold_for_recall(y_val, p_val, REVIEW_RECALL), decision)
    # Bands: low below half the review threshold, medium up to review, high up
    # to the decision threshold, critical at or above it.
    return {"decision_threshold": decision, "review_threshold": review,
            "band_cuts": [review / 2, review, decision], "platt": platt, "prevalence": prevalence}


def dynamic_settings(p_val, risk, segment_column=None, target_alert_rate=None):
    """Dynamic thresholds (core/src/dynamic_thresholds.cpp) that start at the fixed ones and hold each
    segment's alert rate near `target_alert_rate` (default: the block threshold's on validation)."""
    decision = risk["decision_threshold"]
    rate = float(np.mean(np.asarray(p_val) >= decision)) if target_alert_rate is None else target_alert_rate
    return {"segment_column": segment_column, "target_alert_rate": min(max(rate, 1e-4), 0.5), "learning_rate": 0.02,
            "min_threshold": decision / 2, "max_threshold": min(0.999, 1 - (1 - decision) / 4),
            "feedback_step": 0.1, "max_feedback_shift": 2.0}
