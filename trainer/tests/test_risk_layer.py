"""The trainer's twins of the core's risk layer: dynamic thresholds and reason codes."""
import math
import unittest

import numpy as np

from fraudscore_trainer.features import reasons
from fraudscore_trainer.evaluation import thresholds
from fraudscore_trainer.features.spec import NUMERIC, OP_VALUE, Column, Feature, Spec

RISK = dict(decision_threshold=0.7, review_threshold=0.4,
            dynamic=dict(target_alert_rate=0.05, learning_rate=0.05, min_threshold=0.2, max_threshold=0.995,
                         feedback_step=0.25, max_feedback_shift=1.0))


def drifting(n, drift, seed):
    rng = np.random.default_rng(seed)
    return 1 / (1 + np.exp(-(-1.0 + drift * np.arange(n) / n + rng.normal(0, 1, n))))


class DynamicThresholdTest(unittest.TestCase):
    def test_holds_alert_rate_under_drift(self):
        p = drifting(40000, 3.0, 7)
        block, _, decision = thresholds.run_stream(RISK, np.zeros(len(p), int), p)
        late = slice(20000, None)
        self.assertAlmostEqual((decision[late] == 2).mean(), 0.05, delta=0.01)
        self.assertGreater((p[late] >= 0.7).mean(), 0.25)  # what fixed thresholds would alert
        self.assertGreater(block[-1], 0.7)

    def test_bounds_and_review_gap(self):
        dyn = thresholds.DynamicThresholds(RISK, 1)
        for _ in range(20000):
            b, r = dyn.observe(0, 1.0)
        self.assertAlmostEqual(b, 0.995)
        gap = math.log(0.7 / 0.3) - math.log(0.4 / 0.6)
        self.assertAlmostEqual(math.log(b / (1 - b)) - math.log(r / (1 - r)), gap)

    def test_feedback_direction(self):
        dyn = thresholds.DynamicThresholds(RISK, 2)
        start = dyn.thresholds(0)[0]
        dyn.feedback(0, 0.9, True)   # caught: nothing
        dyn.feedback(0, 0.1, False)  # approved and legitimate: nothing
        self.assertEqual(dyn.thresholds(0)[0], start)
        dyn.feedback(0, 0.5, True)   # missed fraud
        self.assertLess(dyn.thresholds(0)[0], start)
        self.assertEqual(dyn.thresholds(1)[0], start)  # other segment untouched
        dyn.feedback(0, 0.6, False)  # false alarm
        self.assertAlmostEqual(dyn.thresholds(0)[0], start)
        for _ in range(20):
            dyn.feedback(0, 0.01, True)
        self.assertAlmostEqual(dyn.state()["shift"][0], -1.0)

    def test_segment_indices(self):
        self.assertEqual(list(thresholds.segment_indices(["b", "zz", "a", float("nan")], ["a", "b"])), [1, 2, 0, 2])


class ReasonCodeTest(unittest.TestCase):
    def spec(self):
        cols = [Column("x", NUMERIC), Column("y", NUMERIC)]
        feats = [Feature("x1", OP_VALUE, "x", reason_code="X", reason_text="x is odd"),
                 Feature("x2", OP_VALUE, "x", reason_code="X"),
                 Feature("y1", OP_VALUE, "y", baseline=0.5)]
        return Spec(cols, feats, window_length=2)

    def test_groups(self):
        groups = reasons.reason_groups(self.spec())
        self.assertEqual([(c, m) for c, _, m in groups], [("X", [0, 1]), ("y", [2])])
        self.assertEqual(groups[1][1], "y is unusual")

    def test_occlusion_of_latest_step(self):
        # p = sum of the latest step's features / 10: contributions are exact.
        def prob(w, valid):
            return w[:, -1, :].sum(axis=1) / 10.0
        w = np.array([[[9, 9, 9], [1.0, 2.0, 3.0]], [[0, 0, 0], [-1.0, 0.0, 0.5]]], dtype=np.float32)
        out = reasons.occlusion_reasons(prob, w, np.array([2, 1]), self.spec())
        self.assertEqual([c for c, _ in out[0]], ["X", "y"])
        self.assertAlmostEqual(out[0][0][1], 0.3, places=6)
        self.assertAlmostEqual(out[0][1][1], 0.25, places=6)
        self.assertEqual(out[1], [])  # nothing raised the second score
        parsed = reasons.parse_reasons(reasons.format_reasons(out[0]))
        self.assertEqual([c for c, _ in parsed], ["X", "y"])
        np.testing.assert_allclose([v for _, v in parsed], [v for _, v in out[0]], rtol=1e-8)


if __name__ == "__main__":
    unittest.main()
