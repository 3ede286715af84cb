"""The crnn's paper reproduction (issue 15, item 3): the paper's row from its confusion counts (not its
abstract's P/R), the paper's dropout after the convolution in the paper variant only, the loss-curve
plot, the "paper vs ours" table, the transfer diagnosis's window cues on a hand-made stream, and the
narrowing report's --test-from split."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

from fraudscore_trainer.evaluation.narrowing import first_metric_row
from fraudscore_trainer.families.crnn import card, transfer
from fraudscore_trainer.families.crnn.network import Crnn
from fraudscore_trainer.families.crnn.paysim_build import PAPER, write_loss_curves
from fraudscore_trainer.families.crnn.training import TrainConfig, best_epoch
from fraudscore_trainer.families.crnn.variants import PAPER_CONV_DROPOUT, train_settings
from fraudscore_trainer.reports import paper_vs_ours, report


class PaperFigures(unittest.TestCase):
    def test_the_paper_row_follows_its_confusion_counts(self):
        self.assertAlmostEqual(PAPER["precision"], 1253 / 1321, places=12)
        self.assertAlmostEqual(PAPER["recall"], 1253 / 1643, places=12)
        self.assertEqual(round(PAPER["precision"], 3), 0.949)
        self.assertEqual(round(PAPER["recall"], 3), 0.763)
        self.assertAlmostEqual(PAPER["f1"], 2 * 1253 / (2 * 1253 + 68 + 390), places=12)
        self.assertEqual(PAPER["tn"], 1_272_524 - 1253 - 68 - 390)
        self.assertAlmostEqual(PAPER["fpr"], 68 / (68 + PAPER["tn"]), places=15)
        self.assertEqual(PAPER["derived"], {"tn", "fpr"})

    def test_without_a_test_size_nothing_is_derived(self):
        r = paper_vs_ours.reported(tp=8, fp=2, fn=2, roc_auc=0.9)
        self.assertEqual(r["derived"], set())
        self.assertNotIn("tn", r)
        self.assertIsNone(paper_vs_ours.fpr(r))

    def test_table_marks_derived_cells_and_orders_protocols(self):
        ours = {"roc_auc": 0.9, "pr_auc": 0.5, "f1": 0.4, "precision": 0.5, "recall": 1 / 3, "tp": 1, "fp": 1,
                "fn": 2, "tn": 96, "threshold": 0.5}
        text = paper_vs_ours.table(("paper", PAPER), [("crnn (ours)", ours)], [("crnn (ours)", ours),
                                                                              ("xgboost", dict(ours, tp=2))])
        lines = text.strip().split("\n")
        self.assertEqual(len(lines), 2 + 4)
        self.assertIn("| paper | paper's |", lines[2])
        self.assertIn("≈1,270,813", lines[2])
        self.assertIn("≈5.35e-05", lines[2])
        self.assertNotIn("≈", lines[3])
        self.assertIn("| 0.0103 |", lines[3])        # FPR 1 / 97 computed from the counts
        self.assertTrue(lines[4].startswith("| crnn (ours) | honest |"))
        self.assertTrue(lines[5].startswith("| xgboost | honest |"))

    def test_report_tables_gain_fpr_and_counts_when_asked(self):
        row = {"roc_auc": 0.9, "pr_auc": 0.5, "f1": 0.4, "precision": 0.5, "recall": 0.4, "threshold": 0.5,
               "n": 100, "positives": 5, "tp": 2, "fp": 2, "fn": 3, "tn": 93}
        context = {"title": "t", "protocols": [{"name": "p", "rows": {"m": row}}]}
        self.assertNotIn("FPR", report.render_report(context))
        text = report.render_report(dict(context, confusion=True))
        self.assertIn("FPR", text)
        self.assertIn("0.0211", text)               # 2 / 95


class PaperDropout(unittest.TestCase):
    def test_paper_variant_uses_the_papers_rate_after_the_convolution(self):
        self.assertEqual(PAPER_CONV_DROPOUT, 0.2)
        self.assertEqual(train_settings("paper"), {"conv_dropout": 0.2})
        self.assertEqual(train_settings("on-device"), {})
        with self.assertRaises(ValueError):
            train_settings("elsewhere")

    def test_network_rates(self):
        cfg = TrainConfig(**train_settings("paper"))
        paper = Crnn(8, dropout=cfg.dropout, conv_dropout=cfg.conv_dropout)
        self.assertEqual(paper.dropout.p, 0.2)
        head_rates = [m.p for m in paper.head.modules() if isinstance(m, type(paper.dropout))]
        self.assertEqual(head_rates, [cfg.dropout])
        self.assertEqual(Crnn(8, dropout=0.3).dropout.p, 0.3)


class NetworkSection(unittest.TestCase):
    def test_each_run_is_judged_against_its_own_epoch_cap(self):
        three = {"history": [{"epoch": e, "train_loss": 1.0, "val_loss": v} for e, v in ((1, 0.5), (2, 0.3), (3, 0.4))],
                 "train_windows": 1000}
        cfg = TrainConfig(epochs=10, **train_settings("paper"))
        text = card.network_section("paper", three, three, cfg, paper_epochs=3)
        self.assertIn("the honest run (the shipped weights): stopped early after 3 epochs, the weights of epoch 2 kept",
                      text)
        self.assertIn("the paper-protocol run: ran all 3 epochs (the cap) without stopping early", text)
        self.assertIn("at most 10 epochs, 3 for the paper-protocol run", text)
        self.assertIn("Dropout 0.2 after the convolution (the paper's rate) and 0.3 after Dense(128)", text)
        same = card.network_section("paper", three, three, cfg)
        self.assertIn("the paper-protocol run: stopped early after 3 epochs", same)
        self.assertEqual(TrainConfig().conv_dropout_rate, 0.3)


class LossCurves(unittest.TestCase):
    def test_writes_the_plot_and_both_runs_numbers(self):
        honest = [{"epoch": 1, "train_loss": 0.6, "val_loss": 0.5}, {"epoch": 2, "train_loss": 0.4, "val_loss": 0.3},
                  {"epoch": 3, "train_loss": 0.3, "val_loss": 0.35}]
        paper = [{"epoch": 1, "train_loss": 0.5, "val_loss": 0.2}]
        self.assertEqual(best_epoch(honest), 2)
        self.assertIsNone(best_epoch([]))
        with tempfile.TemporaryDirectory() as tmp:
            name = write_loss_curves(Path(tmp), {"history": honest}, {"history": paper})
            self.assertEqual((Path(tmp) / name).read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
            saved = json.loads((Path(tmp) / "loss_history.json").read_text())
            self.assertEqual([r["best_epoch"] for r in saved["runs"].values()], [2, 1])
            self.assertEqual(list(saved["runs"].values())[0]["history"], honest)


class TransferCues(unittest.TestCase):
    def stream(self):
        # legit, fraud TRANSFER 500, its CASH_OUT 500, legit, fraud CASH_OUT 70 with no TRANSFER before it
        return pd.DataFrame({
            "step": [1, 2, 3, 400, 401],
            "type": ["PAYMENT", "TRANSFER", "CASH_OUT", "PAYMENT", "CASH_OUT"],
            "amount": [10.0, 500.0, 500.0, 20.0, 70.0],
            "oldbalanceDest": [0.0, 0.0, 5.0, 0.0, 1.0],
            "newbalanceDest": [0.0, 0.0, 505.0, 0.0, 71.0],
            "isFraud": [0, 1, 1, 0, 1],
        })

    def test_window_cues(self):
        df = self.stream()
        cues = transfer.window_cues(df, window=3, step_cap=100)
        self.assertEqual(cues["cash_out_after_own_transfer"], 0.5)  # row 2 yes, row 4 no
        self.assertEqual(cues["legit_with_fraud_in_window"], 0.5)   # row 3 sees rows 1-2; row 0 nothing
        self.assertEqual(cues["beyond_training_steps"], 0.4)
        self.assertEqual(cues["fraud_transfer_payee_zero"], 1.0)
        self.assertIsNone(transfer.window_cues(df[df["type"] == "PAYMENT"], 3, 100)["cash_out_after_own_transfer"])

    def test_window_length_bounds_the_look_back(self):
        df = pd.DataFrame({"step": [1, 2, 3], "type": ["TRANSFER", "PAYMENT", "PAYMENT"],
                           "amount": [5.0, 6.0, 7.0], "oldbalanceDest": [0.0] * 3, "newbalanceDest": [0.0] * 3,
                           "isFraud": [1, 0, 0]})
        self.assertEqual(transfer.window_cues(df, 2, 100)["legit_with_fraud_in_window"], 0.5)
        self.assertEqual(transfer.window_cues(df, 3, 100)["legit_with_fraud_in_window"], 1.0)

    def test_alone_and_simulator_books(self):
        idx = transfer.alone(3, 4)
        np.testing.assert_array_equal(idx, [[-1, -1, -1, 0], [-1, -1, -1, 1], [-1, -1, -1, 2]])
        booked = transfer.simulator_destination_books(self.stream())
        self.assertEqual(booked["newbalanceDest"].tolist(), [0.0, 500.0, 505.0, 0.0, 71.0])


class NarrowingTestFrom(unittest.TestCase):
    def test_first_metric_row(self):
        df = pd.DataFrame({"step": [1, 1, 2, 5, 5, 9]})
        self.assertEqual(first_metric_row(df, "step", 5, 0.2), 3)
        self.assertEqual(first_metric_row(df, "step", 10, 0.2), 6)
        self.assertEqual(first_metric_row(df, None, None, 0.5), 3)
        self.assertEqual(first_metric_row(df, None, None, 1.0), 0)


if __name__ == "__main__":
    unittest.main()
