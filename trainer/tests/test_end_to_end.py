"""The trainer end to end on tiny data: simulate -> train one short epoch ->
export -> the C++ core scores the golden rows and matches the trainer; the
validation curve written by build is rebuilt from the model file alone."""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TRAINER = Path(__file__).resolve().parents[1]

from tests.core_tools import core_tool  # noqa: E402
from fraudscore_trainer.families.crnn import validation_curve



class EndToEnd(unittest.TestCase):
    def test_simulate_train_export_score(self):
        parity = core_tool("FRAUDSCORE_PARITY", "tests/golden_parity")
        cli = core_tool("FRAUDSCORE_CLI", "cli/fraudscore")
        if not parity or not cli:
            self.skipTest("build the core first (golden_parity and fraudscore binaries not found)")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            cmd = [sys.executable, "-m", "fraudscore_trainer", "build", "--variant", "all",
                   "--simulate-rows", "20000", "--sim-fraud-rate", "0.01", "--seed", "3", "--epochs", "1",
                   "--max-windows", "1000", "--skip-paper-protocol", "--no-progress", "--checkpoints", "",
                   "--models-dir", str(tmp / "models"), "--golden-dir", str(tmp / "golden"),
                   "--reports-dir", str(tmp / "models/reports")]
            run = subprocess.run(cmd, cwd=TRAINER, capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-4000:])
            for variant in ("paper", "on-device"):
                model = tmp / "models" / f"crnn-{variant}.fsmodel"
                golden = tmp / "golden" / f"crnn-{variant}.csv"
                self.assertTrue((tmp / "models" / f"crnn-{variant}.md").read_text().startswith(f"# crnn-{variant}"))
                self.assertTrue((tmp / "models/reports" / f"crnn-{variant}" / "report.md").exists())
                self.assertTrue((tmp / "models/reports" / f"crnn-{variant}" / "loss.png").exists())
                card = (tmp / "models" / f"crnn-{variant}.md").read_text()
                self.assertIn("## Paper vs ours", card)
                self.assertIn("| paper (UPI Sentinel) | paper's | 0.9972 | 0.8718 | 0.8455 | 0.9485 | 0.7626 |", card)
                rate = "0.2 after the convolution (the paper's rate)" if variant == "paper" else "0.3 after the convolution"
                self.assertIn(rate, card)
                check = subprocess.run([parity, str(model), str(golden), "500"], capture_output=True, text=True)
                self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
                self.assertIn(" 0 failed", check.stdout)
                scored = subprocess.run([cli, "score", str(model), str(golden)], capture_output=True, text=True)
                self.assertEqual(scored.returncode, 0, scored.stderr)
                self.assertEqual(len(scored.stdout.splitlines()), len(golden.read_text().splitlines()))
                self._check_validation_curve(tmp, variant, cli)

    def _check_validation_curve(self, tmp, variant, cli):
        """build wrote the curve and the card section; `validation-curve` rebuilds the same curve from the
        model file alone (same data, split and scores), and the native CLI agrees with the trainer."""
        name = f"crnn-{variant}"
        model = tmp / "models" / f"{name}.fsmodel"
        built = json.loads((tmp / "models/reports" / name / "validation_curve.json").read_text())
        self.assertEqual(built["model"], name)
        self.assertEqual(built["split"], "validation")
        self.assertEqual(built["model_checksum"], validation_curve.checksum_hex(model.read_bytes()))
        self.assertGreaterEqual(len(built["points"]), 201)
        self.assertEqual(sum(pt.get("mark") == "block" or pt.get("mark") == "review+block"
                             for pt in built["points"]), 1)
        self.assertIn("## Validation curve", (tmp / "models" / f"{name}.md").read_text())
        regen = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "validation-curve", str(model),
                                "--reports-dir", str(tmp / "regen"), "--no-card", "--check-cli", cli],
                               cwd=TRAINER, capture_output=True, text=True)
        self.assertEqual(regen.returncode, 0, regen.stdout[-2000:] + regen.stderr[-4000:])
        again = json.loads((tmp / "regen" / name / "validation_curve.json").read_text())
        self.assertEqual(again, built)
        diff = float(regen.stdout.split("largest probability difference ")[1].split()[0])
        self.assertLess(diff, 1e-5)


if __name__ == "__main__":
    unittest.main()
