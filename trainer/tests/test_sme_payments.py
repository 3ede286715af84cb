"""The SME payments simulator and the lstm_attn pipeline: the simulator's
invariants, the network's masking, and simulate -> train -> export -> the C++
core scores the golden rows (probabilities, enterprise risk, attention, reason
codes and the dynamic thresholds) as the trainer does."""
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from fraudscore_trainer.features import spec as feat
from fraudscore_trainer.families.lstm_attn.network import LstmAttn
from fraudscore_trainer.dataset.simulators.sme_payments import ANOMALY_TYPES, simulate
from fraudscore_trainer.families.lstm_attn.sme_spec import sme_spec

from tests.core_tools import core_tool
from tests.test_end_to_end import TRAINER


class SimulatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.df = simulate(300, seed=11)
        cls.drift = simulate(300, seed=11, drift_day=180.0)

    def test_deterministic_and_ordered(self):
        again = simulate(300, seed=11)
        self.assertTrue(self.df.equals(again))
        self.assertFalse(self.df.equals(simulate(300, seed=12)))
        for _, g in self.df.groupby("enterprise_id"):
            self.assertTrue(np.all(np.diff(g["day"].to_numpy()) >= 0))

    def test_every_anomaly_type_and_sensible_rates(self):
        df = self.df
        self.assertTrue(set(ANOMALY_TYPES) <= set(df.anomaly_type[df.is_anomaly == 1]))
        self.assertTrue(0.01 < df.is_anomaly.mean() < 0.05)
        self.assertTrue(0.002 < df.risk_label.mean() < 0.1)
        # Risk labels only for distressed enterprises, within 180 days before the distress.
        risky = df[df.risk_label == 1]
        gap = risky.distress_day - risky.day  # both rounded in the file
        self.assertTrue(((gap > -0.1) & (gap <= 180.1)).all())
        self.assertTrue((df.amount >= 0).all() and (df.invoice_amount > 0).all())
        split = df[df.anomaly_type == "split"]
        self.assertGreater(len(split), 0)

    def test_deterioration_precedes_distress(self):
        # The same enterprises, in the 180 days before distress against their earlier payments.
        df = self.df[self.df.distress_day.notna()]
        before = df[df.risk_label == 1]
        earlier = df[df.distress_day - df.day > 200]
        self.assertGreater(before.days_late.mean(), earlier.days_late.mean() + 5)
        self.assertLess(before.cash_buffer_days.mean(), 0.8 * earlier.cash_buffer_days.mean())
        self.assertGreater(before.overdue_ratio.mean(), earlier.overdue_ratio.mean() + 0.05)

    def test_drift_changes_the_mix_after_its_day(self):
        late, drifted = self.df[self.df.day >= 180], self.drift[self.drift.day >= 180]
        self.assertGreater(drifted.is_anomaly.mean(), 1.5 * late.is_anomaly.mean())
        self.assertGreater((drifted.channel == "mobile").mean(), (late.channel == "mobile").mean() + 0.1)

    def test_normal_and_anomalous_overlap(self):
        # One row's features alone separate the classes imperfectly: the simulator is not too easy.
        spec = sme_spec()
        feat.fit_normalisation(self.df, spec)
        x = feat.compute(self.df, spec)
        y = self.df.is_anomaly.to_numpy()
        n = len(x) // 2
        lr = LogisticRegression(max_iter=500).fit(x[:n], y[:n])
        auc = roc_auc_score(y[n:], lr.predict_proba(x[n:])[:, 1])
        self.assertGreater(auc, 0.6)
        self.assertLess(auc, 0.97)


class NetworkTest(unittest.TestCase):
    def test_padded_steps_get_no_attention_and_names_match_the_file_format(self):
        torch.manual_seed(0)
        net = LstmAttn(5, lstm_hidden=4, heads=2, dense_units=8).eval()
        x = torch.randn(3, 6, 5)
        x[0, :4] = 0.0  # window 0 has 2 real steps, left-padded
        valid = torch.tensor([2, 6, 6])
        _, _, att = net(x, valid)
        self.assertTrue(torch.all(att[0, :4] == 0))
        self.assertTrue(torch.allclose(att.sum(dim=1), torch.ones(3)))
        keys = set(net.state_dict())
        self.assertIn("attention.in_proj_weight", keys)
        self.assertIn("risk_head.fc2.bias", keys)
        self.assertEqual(len(keys), 20)


class EndToEnd(unittest.TestCase):
    def test_simulate_train_export_score(self):
        parity = core_tool("FRAUDSCORE_PARITY", "tests/golden_parity")
        cli = core_tool("FRAUDSCORE_CLI", "cli/fraudscore")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            cmd = [sys.executable, "-m", "fraudscore_trainer", "build-lstm-attn", "--enterprises", "60", "--seed", "3",
                   "--epochs", "1", "--compare-epochs", "1", "--max-windows", "3000", "--baseline-windows", "1500",
                   "--window", "8", "--models-dir", str(tmp / "models"), "--golden-dir", str(tmp / "golden"),
                   "--reports-dir", str(tmp / "reports"), "--example", str(tmp / "example.csv")]
            run = subprocess.run(cmd, cwd=TRAINER, capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-4000:])
            model, golden = tmp / "models/lstm_attn-sme.fsmodel", tmp / "golden/lstm_attn-sme.csv"
            self.assertTrue((tmp / "models/lstm_attn-sme.md").read_text().startswith("# lstm_attn-sme"))
            self.assertTrue((tmp / "reports/lstm_attn-sme/report.md").exists())
            if not parity or not cli:
                self.skipTest("build the core first (golden_parity and fraudscore binaries not found)")
            check = subprocess.run([parity, str(model), str(golden), "300"], capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertIn(" 0 failed", check.stdout)
            scored = subprocess.run([cli, "score", str(model), str(tmp / "example.csv"), "--dynamic-thresholds"],
                                    capture_output=True, text=True)
            self.assertEqual(scored.returncode, 0, scored.stderr)
            self.assertTrue(scored.stdout.startswith("row,probability,band,decision,enterprise_risk,threshold"))


if __name__ == "__main__":
    unittest.main()
