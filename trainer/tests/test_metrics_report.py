"""Tests for metrics, baselines, plots and the Markdown report."""

import math
import tempfile
import unittest
from pathlib import Path

import numpy as np

from fraudscore_trainer.evaluation import baselines
from fraudscore_trainer.evaluation import metrics
from fraudscore_trainer.reports import plots
from fraudscore_trainer.reports import report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _f1(y, p, threshold):
    predicted = p >= threshold
    tp = np.sum(predicted & (y == 1))
    fp = np.sum(predicted & (y == 0))
    fn = np.sum(~predicted & (y == 1))
    return 2 * tp / (2 * tp + fp + fn)


class PlattTest(unittest.TestCase):
    def test_recovers_known_parameters(self):
        rng = np.random.default_rng(0)
        for a, b in [(1.5, -3.0), (0.7, -6.5)]:
            z = rng.normal(0.0, 3.0, 200_000)
            y = (rng.random(z.size) < 1.0 / (1.0 + np.exp(-(a * z + b)))).astype(int)
            fitted_a, fitted_b = metrics.fit_platt(z, y)
            self.assertIsInstance(fitted_a, float)
            self.assertAlmostEqual(fitted_a, a, delta=0.05 * a)
            self.assertAlmostEqual(fitted_b, b, delta=0.1)

    def test_extreme_logits_and_few_positives_stay_finite(self):
        z = np.concatenate([np.full(1000, -40.0), np.full(3, 40.0)])
        y = np.r_[np.zeros(1000), np.ones(3)]
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            a, b = metrics.fit_platt(z, y)
            p = metrics.apply_platt(np.array([-1e4, -40.0, 40.0, 1e4]), a, b)
        self.assertTrue(math.isfinite(a) and math.isfinite(b))
        self.assertGreater(a, 0.0)
        self.assertEqual(p.dtype, np.float64)
        self.assertTrue(np.all(np.diff(p) >= 0) and p[0] >= 0.0 and p[-1] <= 1.0)
        # Two distinct logits are fitted exactly, to Platt's smoothed targets.
        self.assertAlmostEqual(p[1], 1 / 1002, delta=1e-6)
        self.assertAlmostEqual(p[2], 4 / 5, delta=1e-6)


class ThresholdTest(unittest.TestCase):
    y = np.array([0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0])
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.05])

    def test_max_f1_matches_brute_force(self):
        threshold = metrics.tune_threshold_max_f1(self.y, self.p)
        f1_by_threshold = {t: _f1(self.y, self.p, t) for t in np.unique(self.p)}
        best = max(f1_by_threshold.values())
        self.assertIn(threshold, f1_by_threshold)
        self.assertAlmostEqual(_f1(self.y, self.p, threshold), best)
        self.assertAlmostEqual(metrics.at_threshold(self.y, self.p, threshold)["f1"], best)
        ties = [t for t, f in f1_by_threshold.items() if math.isclose(f, best)]
        self.assertEqual(threshold, max(ties))

    def test_max_f1_prefers_higher_threshold_on_ties(self):
        # Thresholds 0.8 (tp=1, fp=0, fn=1) and 0.4 (tp=2, fp=2, fn=0) both give F1 = 2/3.
        y = np.array([1, 0, 0, 1])
        p = np.array([0.4, 0.5, 0.6, 0.8])
        self.assertEqual(metrics.tune_threshold_max_f1(y, p), 0.8)

    def test_threshold_for_recall(self):
        # Positives at 0.3, 0.4, 0.5, 0.7, 0.95: recall 0.6 needs the third-highest, 0.5.
        self.assertEqual(metrics.threshold_for_recall(self.y, self.p, 0.6), 0.5)
        self.assertEqual(metrics.threshold_for_recall(self.y, self.p, 1.0), 0.3)
        self.assertEqual(metrics.threshold_for_recall(self.y, self.p, 0.61), 0.4)

    def test_tuning_without_positives_raises(self):
        with self.assertRaises(ValueError):
            metrics.tune_threshold_max_f1(np.zeros(4), np.array([0.1, 0.2, 0.3, 0.4]))


class AtThresholdSummaryTest(unittest.TestCase):
    def test_counts_on_hand_made_example(self):
        y = np.array([1, 1, 0, 0, 0, 1])
        p = np.array([0.9, 0.2, 0.7, 0.1, 0.5, 0.5])
        result = metrics.at_threshold(y, p, 0.5)
        self.assertEqual((result["tp"], result["fp"], result["tn"], result["fn"]), (2, 2, 1, 1))
        self.assertAlmostEqual(result["accuracy"], 0.5)
        self.assertAlmostEqual(result["precision"], 0.5)
        self.assertAlmostEqual(result["recall"], 2 / 3)
        self.assertAlmostEqual(result["f1"], 4 / 7)

    def test_zero_division_is_zero(self):
        result = metrics.at_threshold(np.array([0, 1]), np.array([0.1, 0.2]), 0.9)
        self.assertEqual((result["precision"], result["recall"], result["f1"]), (0.0, 0.0, 0.0))

    def test_summary_without_positives_has_nan_aucs(self):
        p = np.array([0.1, 0.2, 0.3, 0.9])
        result = metrics.summary(np.zeros(4, dtype=int), p, 0.5)
        self.assertTrue(math.isnan(result["roc_auc"]))
        self.assertTrue(math.isnan(result["pr_auc"]))
        self.assertEqual((result["n"], result["positives"], result["fp"]), (4, 0, 1))
        self.assertAlmostEqual(result["brier"], np.mean(p ** 2))

    def test_summary_values(self):
        y = np.array([0, 0, 1, 1])
        p = np.array([0.1, 0.4, 0.35, 0.8])
        result = metrics.summary(y, p, 0.3)
        self.assertAlmostEqual(result["roc_auc"], 0.75)
        self.assertAlmostEqual(result["prevalence"], 0.5)
        # One score per bin: [0.1, 0.2) 0.1 (y 0), [0.3, 0.4) 0.35 (y 1),
        # [0.4, 0.5) 0.4 (y 0), [0.8, 0.9) 0.8 (y 1).
        expected_ece = (0.1 + 0.65 + 0.4 + 0.2) / 4
        self.assertAlmostEqual(result["ece"], expected_ece)


class CalibrationTableTest(unittest.TestCase):
    def test_counts_sum_to_n_and_rates_match(self):
        rng = np.random.default_rng(1)
        p = np.r_[rng.random(997), 0.0, 1.0, 0.5]
        y = (rng.random(p.size) < p).astype(int)
        rows = metrics.calibration_table(y, p, bins=10)
        self.assertEqual(sum(row["count"] for row in rows), p.size)
        self.assertEqual(sum(row["positives"] for row in rows), y.sum())
        self.assertEqual(rows[-1]["bin_upper"], 1.0)
        self.assertEqual(rows[-1]["count"], np.sum(p >= 0.9))
        for row in rows:
            self.assertTrue(row["bin_lower"] <= row["mean_predicted"] <= row["bin_upper"])
            self.assertAlmostEqual(row["observed_rate"], row["positives"] / row["count"])


class BaselinesTest(unittest.TestCase):
    def test_baselines_separate_a_simple_problem(self):
        rng = np.random.default_rng(2)
        X = rng.normal(size=(1500, 12)).astype(np.float32)
        y = (X[:, 0] + 0.5 * X[:, 3] > 1.2).astype(int)
        train, val, test = slice(0, 900), slice(900, 1200), slice(1200, 1500)
        models = baselines.train_baselines(X[train], y[train], X[val], y[val], seed=0, n_jobs=1)
        self.assertEqual(set(models), {"logistic_regression", "random_forest", "xgboost"})
        results = baselines.evaluate_baselines(models, X[val], y[val], X[test], y[test])
        for name, result in results.items():
            with self.subTest(model=name):
                self.assertGreater(result["test"]["roc_auc"], 0.9)
                self.assertEqual(result["test_scores"].shape, (300,))
                self.assertEqual(result["test"]["threshold"], result["threshold"])
                val_scores = baselines.score_baselines({name: models[name]}, X[val])[name]
                self.assertEqual(result["threshold"],
                                 metrics.tune_threshold_max_f1(y[val], val_scores))

        untunable = baselines.evaluate_baselines(models, X[val], np.zeros(300, dtype=int),
                                                 X[test], y[test])
        self.assertTrue(all(r["threshold"] == 0.5 for r in untunable.values()))
        self.assertTrue(all(math.isnan(r["val"]["roc_auc"]) for r in untunable.values()))


class PlotsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        rng = np.random.default_rng(3)
        self.y = (rng.random(500) < 0.1).astype(int)
        self.p = np.clip(0.6 * self.y + 0.5 * rng.random(500), 0.0, 1.0)

    def tearDown(self):
        self.tmp.cleanup()

    def _assert_png(self, path):
        data = Path(path).read_bytes()
        self.assertTrue(data.startswith(PNG_MAGIC))
        self.assertLess(len(data), 150_000)

    def test_each_plot_writes_a_png(self):
        curves = {"model a": (self.y, self.p), "model b": (self.y, self.p ** 2)}
        window = np.random.default_rng(4).normal(size=(10, 5))
        window[:3] = 0.0
        attention = np.r_[np.zeros(3), np.full(7, 1 / 7)]
        written = [
            plots.plot_roc(curves, self.dir / "roc.png"),
            plots.plot_pr(curves, self.dir / "pr.png"),
            plots.plot_calibration(self.y, self.p, self.p ** 2, self.dir / "calibration.png"),
            plots.plot_confusion(self.y, self.p, 0.5, self.dir / "confusion.png"),
            plots.plot_attention(window, [f"f{i}" for i in range(5)], attention,
                                 self.dir / "sub" / "attention.png", "window 1"),
        ]
        for path in written:
            with self.subTest(path=path.name):
                self._assert_png(path)

    def test_attention_rejects_mismatched_shapes(self):
        with self.assertRaises(ValueError):
            plots.plot_attention(np.zeros((10, 5)), ["a"] * 5, np.zeros(9),
                                 self.dir / "x.png", "bad")


class ReportTest(unittest.TestCase):
    paper = {"roc_auc": 0.9972, "pr_auc": 0.8718, "f1": 0.85, "precision": 0.91, "recall": 0.80}

    def _summary(self):
        y = np.array([0, 0, 0, 1, 1, 0, 0, 0])
        p = np.array([0.1, 0.2, 0.05, 0.9, 0.6, 0.7, 0.01, 0.02])
        return metrics.summary(y, p, 0.5), metrics.calibration_table(y, p)

    def test_report_contains_tables_paper_row_and_sections(self):
        summary, calibration = self._summary()
        empty = metrics.summary(np.zeros(3, dtype=int), np.array([0.1, 0.2, 0.3]), 0.5)
        context = {
            "title": "Evaluation",
            "model": "Conv1D + BiLSTM + attention.",
            "data": "PaySim.",
            "protocols": [
                {"name": "time-ordered split (honest)", "description": "Later steps held out.",
                 "rows": {"crnn (ours)": summary, "xgboost | hist": empty,
                          "tiny threshold": {"threshold": 2.5e-05}},
                 "threshold_note": "Max-F1 threshold tuned on validation."},
                {"name": "paper protocol", "rows": {"crnn (ours)": summary}},
            ],
            "paper": self.paper,
            "calibration": calibration,
            "plots": {"ROC": "roc.png", "PR": "plots/pr.png"},
            "extra_sections": [("Real sample", "Scored 10 rows.")],
        }
        with tempfile.TemporaryDirectory() as tmp:
            path = report.write_report(Path(tmp) / "report.md", context)
            text = path.read_text(encoding="utf-8")
        header = ("| Model | ROC-AUC | PR-AUC | F1 | Precision | Recall | Accuracy | Threshold"
                  " | n | Positives |")
        self.assertEqual(text.count(header), 2)
        paper_row = "| paper (reported) | 0.9972 | 0.8718 | 0.8500 | 0.9100 | 0.8000 | n/a | n/a | n/a | n/a |"
        self.assertEqual(text.count(paper_row), 2)
        self.assertIn(f"| crnn (ours) | {summary['roc_auc']:.4f} |", text)
        self.assertIn("| xgboost \\| hist | n/a | n/a |", text)
        self.assertIn("| 8 | 2 |", text)
        self.assertIn("| n/a | 2.5e-05 | n/a | n/a |", text)
        self.assertIn("## Calibration", text)
        self.assertEqual(text.count("| [0."), len(calibration))
        self.assertIn("![ROC](roc.png)", text)
        self.assertIn("![PR](plots/pr.png)", text)
        self.assertIn("## Real sample\n\nScored 10 rows.", text)
        self.assertIn("Max-F1 threshold tuned on validation.", text)

    def test_metrics_for_model_file_keeps_finite_numbers(self):
        summary = {"roc_auc": float("nan"), "pr_auc": 0.5, "n": 10, "flag": True, "name": "x"}
        self.assertEqual(report.metrics_for_model_file(summary, "time_split"),
                         [("time_split.pr_auc", 0.5), ("time_split.n", 10.0)])
        pairs = report.metrics_for_model_file(self._summary()[0], "paper")
        self.assertTrue(all(isinstance(v, float) and math.isfinite(v) for _, v in pairs))
        self.assertIn("paper.roc_auc", dict(pairs))


if __name__ == "__main__":
    unittest.main()
