"""Dynamic threshold adjustment: the Python twin of core/src/dynamic_thresholds.cpp.

Per segment (a value of the model's segment column, or one global segment), a
streaming quantile tracker in logit space follows the recent scores so that
the share of rows at or above the block threshold stays near the target alert
rate; labelled feedback shifts the threshold (a missed fraud lowers it, a false
alarm raises it). Everything is bounded by the model's [min, max] thresholds
and is deterministic: the same rows in the same order give the same state.
The exact algorithm is in schemas/README.md ("Dynamic thresholds").
"""
import math

import numpy as np


def logit(p):
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p / (1.0 - p))


def sigmoid(x):
    if x == -math.inf:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


class DynamicThresholds:
    def __init__(self, risk: dict, segment_count: int):
        dyn = risk["dynamic"]
        self.rate = float(dyn["target_alert_rate"])
        self.lr = float(dyn.get("learning_rate", 0.02))
        self.step = float(dyn.get("feedback_step", 0.1))
        self.max_shift = float(dyn.get("max_feedback_shift", 2.0))
        self.lo, self.hi = logit(float(dyn["min_threshold"])), logit(float(dyn["max_threshold"]))
        base = logit(float(risk["decision_threshold"]))
        self.gap = base - logit(float(risk["review_threshold"]))
        self.q = [base] * segment_count
        self.shift = [0.0] * segment_count
        self.count = [0] * segment_count

    def _applied(self, s):
        t = min(max(self.q[s] + self.shift[s], self.lo), self.hi)
        return sigmoid(t), sigmoid(t - self.gap)

    def thresholds(self, segment):
        """(block, review) thresholds that the next row of `segment` would get."""
        return self._applied(segment)

    def observe(self, segment, p):
        """Thresholds applied to this row, then the tracker takes the row in."""
        block, review = self._applied(segment)
        alert = p >= sigmoid(self.q[segment])
        q = self.q[segment] + self.lr * ((1.0 - self.rate) if alert else -self.rate)
        self.q[segment] = min(max(q, self.lo), self.hi)
        self.count[segment] += 1
        return block, review

    def feedback(self, segment, p, confirmed_fraud):
        """A labelled outcome of a row scored `p`: a fraud scored below the block
        threshold lowers it; a legitimate row that was alerted raises it."""
        block, review = self._applied(segment)
        if confirmed_fraud and p < block:
            self.shift[segment] -= self.step
        elif not confirmed_fraud and p >= review:
            self.shift[segment] += self.step
        self.shift[segment] = min(max(self.shift[segment], -self.max_shift), self.max_shift)

    def state(self):
        return {"q": list(self.q), "shift": list(self.shift), "count": list(self.count)}


def segment_indices(values, vocabulary):
    """Category index per value; len(vocabulary) for values outside it."""
    lookup = {v: i for i, v in enumerate(vocabulary)}
    return np.array([lookup.get(v, len(vocabulary)) for v in values], dtype=np.int64)


def run_stream(risk, segments, probabilities, segment_count=None):
    """Score a stream from a fresh state: (block thresholds, review thresholds, decisions 0/1/2)."""
    segments = np.asarray(segments, dtype=np.int64)
    n = len(segments)
    if segment_count is None:
        segment_count = int(segments.max()) + 1 if n else 1
    dyn = DynamicThresholds(risk, segment_count)
    block, review, decision = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    for i, (s, p) in enumerate(zip(segments, probabilities)):
        block[i], review[i] = dyn.observe(int(s), float(p))
        decision[i] = 2 if p >= block[i] else (1 if p >= review[i] else 0)
    return block, review, decision
